using TopUpSpark.Core;

namespace TopUpSpark.Api;

/// <summary>Everything topup-api can be told; each has a flag (see <see cref="ApiCommand"/>).</summary>
public sealed record ApiOptions
{
    /// <summary>Where Kestrel listens; loopback unless told otherwise, port 0 for any free one.</summary>
    public string Listen { get; init; } = "http://127.0.0.1:8080";

    public string Redis { get; init; } = "127.0.0.1:6379";
    public string RedisKeyPrefix { get; init; } = "topup:";
    public string CustomerTopic { get; init; } = Topics.Customer;
    public string BureauTopic { get; init; } = Topics.Bureau;
    public string? SchemaFile { get; init; }
    public int MaxEvents { get; init; } = 1000;
    public int MaxBodyBytes { get; init; } = 4 << 20;

    /// <summary>Requests per second one client address may make; more are answered 429.</summary>
    public int RateLimit { get; init; } = 100_000;

    /// <summary>How long an event may wait for Kafka's acknowledgement before the request is answered 503.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a Redis look-up may take before the request is answered 503.</summary>
    public TimeSpan RedisTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
