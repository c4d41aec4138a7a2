using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Serving;

namespace TopUpSpark.Api;

/// <summary>What a 202 answers: where Kafka put each event, in the order they were posted.</summary>
public sealed record IngestResponse(int Accepted, IReadOnlyList<AcceptedEvent> Events);

/// <summary>One state's predicted top-ups in a window.</summary>
public sealed record StateTotal(string State, long Count);

/// <summary>The newest window's predicted top-ups per state.</summary>
public sealed record LatestWindowResponse(DateTimeOffset WindowEnd, long Total, IReadOnlyList<StateTotal> Counts);

/// <summary>
/// topup-api: takes customer and bureau events over HTTP into Kafka, in the producer's message form, and answers
/// from Redis what the streaming job predicted. Kestrel on loopback unless told otherwise.
/// </summary>
public sealed class TopUpApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EventPublisher _publisher;
    private readonly ConnectionMultiplexer _redis;

    private TopUpApi(WebApplication app, EventPublisher publisher, ConnectionMultiplexer redis)
    {
        _app = app;
        _publisher = publisher;
        _redis = redis;
    }

    /// <summary>The address it listens on (the port chosen when the options asked for port 0).</summary>
    public Uri Address => new(_app.Urls.First());

    public static async Task<TopUpApi> StartAsync(ApiOptions options, KafkaSettings kafka, CancellationToken cancel)
    {
        var schema = TopUpSchema.LoadOrDefault(options.SchemaFile);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ProgramLogging.Configure(builder.Logging);
        // One line per request would cost more than the request: the host's own logs only when something is wrong.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.WebHost.UseUrls(options.Listen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "topup-api";
            document.Info.Description = "Customer and bureau events into Kafka; the streaming job's latest predictions from Redis.";
            return Task.CompletedTask;
        }));
        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, System.Net.IPAddress>(http => RateLimitPartition.GetTokenBucketLimiter(
                http.Connection.RemoteIpAddress ?? System.Net.IPAddress.None, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RateLimit,
                    TokensPerPeriod = options.RateLimit,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));
        });

        var redis = await RedisConnection.ConnectAsync(options.Redis, options.RedisTimeout);
        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("topup-api");
        var publisher = new EventPublisher(kafka, options.DeliveryTimeout, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("kafka"));
        var store = new RedisPredictionStore(redis.GetDatabase(), options.RedisKeyPrefix, timeToLive: null);
        app.UseRateLimiter();
        app.MapOpenApi();
        MapIngest(app, "/v1/customers", new InputEventParser(schema.Customer, schema.EventTimeColumn, options.MaxEvents), options.CustomerTopic, publisher, options.MaxBodyBytes);
        MapIngest(app, "/v1/bureau", new InputEventParser(schema.Bureau, schema.EventTimeColumn, options.MaxEvents), options.BureauTopic, publisher, options.MaxBodyBytes);
        app.MapGet("/v1/customers/{id}/prediction", (string id) => FromRedis(async () =>
            {
                var prediction = await store.GetAsync(id);
                return prediction is null
                    ? Answers.Problem(404, "no prediction for this customer", $"the job has not scored customer '{Printable.Text(id, 100)}' (or its prediction expired)")
                    : Answers.Json(prediction, ApiJsonContext.Default.CustomerPrediction);
            }))
            .WithName("GetPrediction").WithSummary("The latest prediction for a customer: probability, prediction, model id, window, ts and when it was scored")
            .Produces<CustomerPrediction>().ProducesProblem(404).ProducesProblem(503);
        app.MapGet("/v1/windows/latest", () => FromRedis(async () =>
            {
                var window = await store.LatestWindowAsync();
                return window is null
                    ? Answers.Problem(404, "no window yet", "the job has not predicted a top-up in any window yet")
                    : Answers.Json(new LatestWindowResponse(window.WindowEnd, window.Counts.Sum(c => c.Count),
                        window.Counts.Select(c => new StateTotal(c.State, c.Count)).ToList()), ApiJsonContext.Default.LatestWindowResponse);
            }))
            .WithName("GetLatestWindow").WithSummary("The newest window's predicted top-ups per state")
            .Produces<LatestWindowResponse>().ProducesProblem(404).ProducesProblem(503);
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        try
        {
            await app.StartAsync(cancel);
        }
        catch
        {
            publisher.Dispose();
            await redis.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }
        var api = new TopUpApi(app, publisher, redis);
        log.LogInformation("topup-api listening on {Address}: Kafka {Bootstrap} (topics {Customer}, {Bureau}), Redis {Redis} (keys {Prefix}…); OpenAPI at {Address}openapi/v1.json",
            api.Address, kafka.BootstrapServers, options.CustomerTopic, options.BureauTopic, options.Redis, options.RedisKeyPrefix, api.Address);
        return api;
    }

    /// <summary>Runs until <paramref name="cancel"/> fires or the host is told to stop.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancel)
    {
        var stopping = _app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
            // Time to stop.
        }
    }

    private static void MapIngest(WebApplication app, string path, InputEventParser parser, string topic, EventPublisher publisher, int maxBodyBytes)
    {
        var name = parser.DatasetName;
        app.MapPost(path, async (HttpContext http) =>
            {
                var arrival = DateTimeOffset.UtcNow;
                var (body, bodyError) = await ReadBodyAsync(http.Request, maxBodyBytes);
                if (bodyError is not null)
                    return Answers.Invalid($"the {name} events were not accepted: nothing was published", new Dictionary<string, string[]> { ["body"] = [bodyError] });
                if (!parser.TryParse(body, arrival, out var events, out var errors))
                    return Answers.Invalid($"the {name} events were not accepted: nothing was published", errors);
                try
                {
                    var accepted = await publisher.PublishAsync(topic, events);
                    return Answers.Json(new IngestResponse(accepted.Length, accepted), ApiJsonContext.Default.IngestResponse, StatusCodes.Status202Accepted);
                }
                catch (KafkaUnavailableException e)
                {
                    return Answers.Problem(503, "Kafka unavailable", e.Message);
                }
            })
            .WithName(name == "customer" ? "PostCustomers" : "PostBureau")
            .WithSummary($"Publish one {name} event (a JSON object of the schema's {name} columns, ts optional) or an array of at most {parser.MaxEvents} to topic {topic}, keyed by ID")
            .Accepts<JsonElement>("application/json")
            .Produces<IngestResponse>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(503).ProducesProblem(429);
    }

    /// <summary>The body, or why it is refused: larger than the limit (by its Content-Length or as it arrives) or empty.</summary>
    private static async Task<(ReadOnlyMemory<byte> Body, string? Error)> ReadBodyAsync(HttpRequest request, int maxBodyBytes)
    {
        if (request.ContentLength > maxBodyBytes)
            return (default, $"{request.ContentLength} bytes: at most {maxBodyBytes} per request");
        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        try
        {
            await request.Body.CopyToAsync(buffer);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, $"larger than {maxBodyBytes} bytes, the most per request");
        }
        return buffer.Length == 0
            ? (default, "empty: send a JSON object or an array of objects")
            : (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
    }

    /// <summary>The answer of a Redis look-up, or 503 when Redis does not answer.</summary>
    private static async Task<IResult> FromRedis(Func<Task<IResult>> answer)
    {
        try
        {
            return await answer();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Answers.Problem(503, "Redis unavailable", $"Redis did not answer: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        _publisher.Dispose();
        await _redis.DisposeAsync();
        await _app.DisposeAsync();
    }
}

