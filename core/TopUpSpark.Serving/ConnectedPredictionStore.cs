using System.Runtime.CompilerServices;

namespace TopUpSpark.Serving;

/// <summary>
/// A <see cref="RedisPredictionStore"/> on a connection of its own, closed with it. Its caller sees no type of the Redis
/// client, so code that only might connect (the streaming job without <c>--redis</c>) never loads the client.
/// </summary>
public sealed class ConnectedPredictionStore : IDisposable
{
    /// <summary>Typed as what is done with it here: disposing the client's own type, inlined into a caller, would load the client.</summary>
    private readonly IDisposable _connection;

    private ConnectedPredictionStore(IDisposable connection, RedisPredictionStore store)
    {
        _connection = connection;
        Store = store;
    }

    public RedisPredictionStore Store { get; }

    /// <summary>Connects as <see cref="RedisConnection.ConnectAsync"/> does, and makes the store.</summary>
    /// <exception cref="InvalidOperationException">Redis does not answer within <paramref name="timeout"/>.</exception>
    // Not inlined: its state machine holds the client's awaiter, and laying that out in a caller would load the client.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<ConnectedPredictionStore> ConnectAsync(string endpoint, string keyPrefix, TimeSpan? timeToLive, TimeSpan timeout)
    {
        var connection = await RedisConnection.ConnectAsync(endpoint, timeout);
        return new ConnectedPredictionStore(connection, new RedisPredictionStore(connection.GetDatabase(), keyPrefix, timeToLive));
    }

    public void Dispose() => _connection.Dispose();
}
