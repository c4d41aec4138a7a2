using System.CommandLine;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Logging;
using TopUpSpark.Serving;

namespace TopUpSpark.Api;

/// <summary>topup-api's command line: every flag with its environment variable and default.</summary>
public static class ApiCommand
{
    public static RootCommand Create()
    {
        var kafka = Flags.KafkaConnection();
        var defaults = new ApiOptions();
        var listen = Flags.Create("--listen", "TOPUP_API_LISTEN", defaults.Listen,
            "Address to listen on, http://HOST:PORT; loopback by default (port 0: any free port); another host only on purpose, e.g. http://0.0.0.0:8080")
            .Accepting(value => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == "http" ? null : $"must be http://HOST:PORT, got '{value}'");
        var redis = Flags.Create("--redis", "TOPUP_REDIS", defaults.Redis, "Redis HOST:PORT the streaming job writes its predictions to (its --redis)")
            .Accepting(value => RedisConnection.Problem(value));
        var redisKeyPrefix = Flags.Create("--redis-key-prefix", "TOPUP_REDIS_KEY_PREFIX", defaults.RedisKeyPrefix, "Prefix of the Redis keys (the job's --redis-key-prefix)");
        var customerTopic = Flags.Create("--customer-topic", "TOPUP_CUSTOMER_TOPIC", Topics.Customer, "Topic of customer events").Accepting(Accept.TopicName);
        var bureauTopic = Flags.Create("--bureau-topic", "TOPUP_BUREAU_TOPIC", Topics.Bureau, "Topic of bureau events").Accepting(Accept.TopicName);
        var schema = Flags.Create<string?>("--schema", "TOPUP_SCHEMA", null, "Schema file events are checked against (default: the schema/topup-schema.json shipped with the API)");
        var maxEvents = Flags.Create("--max-events", "TOPUP_API_MAX_EVENTS", defaults.MaxEvents, "Most events in one request (a JSON array)").Accepting(Accept.AtLeast(1));
        var maxBody = Flags.Create("--max-body-bytes", "TOPUP_API_MAX_BODY_BYTES", defaults.MaxBodyBytes, "Largest request body; larger ones are answered 400").Accepting(Accept.AtLeast(1024));
        var rateLimit = Flags.Create("--rate-limit", "TOPUP_API_RATE_LIMIT", defaults.RateLimit, "Requests per second one client address may make; more are answered 429").Accepting(Accept.AtLeast(1));
        var deliveryTimeout = Flags.Duration("--delivery-timeout", "TOPUP_API_DELIVERY_TIMEOUT", defaults.DeliveryTimeout,
            "How long a request waits for Kafka to acknowledge its events; then it is answered 503 and the client sends the events again").Accepting(Accept.Positive);
        var redisTimeout = Flags.Duration("--redis-timeout", "TOPUP_API_REDIS_TIMEOUT", defaults.RedisTimeout,
            "How long a look-up waits for Redis; then it is answered 503 (also the time the start waits to connect)").Accepting(Accept.Positive);

        var root = new RootCommand(
            "topup-api: POST customer and bureau events (JSON, checked against the schema file) into Kafka as the producer sends them, " +
            "and GET the streaming job's latest prediction per customer and the newest per-state counts from Redis. OpenAPI at /openapi/v1.json.")
        {
            listen, redis, redisKeyPrefix, customerTopic, bureauTopic, schema, maxEvents, maxBody, rateLimit, deliveryTimeout, redisTimeout,
        };
        kafka.AddTo(root);
        root.Subcommands.Add(ExampleCommand.Create());
        root.SetAction(async (parse, cancel) =>
        {
            var options = new ApiOptions
            {
                Listen = parse.GetValue(listen)!,
                Redis = parse.GetValue(redis)!,
                RedisKeyPrefix = parse.GetValue(redisKeyPrefix)!,
                CustomerTopic = parse.GetValue(customerTopic)!,
                BureauTopic = parse.GetValue(bureauTopic)!,
                SchemaFile = parse.GetValue(schema),
                MaxEvents = parse.GetValue(maxEvents),
                MaxBodyBytes = parse.GetValue(maxBody),
                RateLimit = parse.GetValue(rateLimit),
                DeliveryTimeout = parse.GetValue(deliveryTimeout),
                RedisTimeout = parse.GetValue(redisTimeout),
            };
            using var loggers = ProgramLogging.Create();
            await using var api = await TopUpApi.StartAsync(options, kafka.Resolve(parse, loggers), cancel);
            await api.WaitForShutdownAsync(cancel);
            loggers.CreateLogger("topup-api").LogInformation("topup-api stopping: finishing the requests in flight");
            return 0;
        });
        return root;
    }
}
