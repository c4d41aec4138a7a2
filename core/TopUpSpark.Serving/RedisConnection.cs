using StackExchange.Redis;

namespace TopUpSpark.Serving;

/// <summary>How the job and the API reach Redis: <c>HOST:PORT</c>, checked when the flag is parsed.</summary>
public static class RedisConnection
{
    /// <summary>Null when <paramref name="endpoint"/> is a usable <c>HOST:PORT</c>, else what is wrong with it.</summary>
    public static string? Problem(string? endpoint)
    {
        if (endpoint is null) return null;
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), out var port) && port is > 0 and < 65536
            ? null
            : $"must be HOST:PORT, e.g. 127.0.0.1:6379, got '{endpoint}'";
    }

    /// <summary>
    /// Connects, failing after <paramref name="timeout"/> with a message that names the endpoint. Once connected, the
    /// client reconnects by itself; a command waits at most <paramref name="timeout"/> for an answer.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string endpoint, TimeSpan timeout)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.SyncTimeout = options.AsyncTimeout = (int)timeout.TotalMilliseconds;
        options.AbortOnConnectFail = true;
        options.ClientName = "topupspark";
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(options);
            connection.GetDatabase().Ping();
            return connection;
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException($"cannot reach Redis at {endpoint} (within {timeout.TotalSeconds:0.#} s): {e.Message}", e);
        }
    }
}
