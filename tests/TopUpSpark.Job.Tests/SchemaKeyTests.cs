using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>The job joins on the key the schema file declares; a schema whose two datasets declare different keys is refused by name.</summary>
[NonParallelizable]
public class SchemaKeyTests
{
    [Test]
    public async Task A_schema_whose_datasets_have_different_keys_is_refused_naming_both()
    {
        var work = RepositoryRoot.NewScratchDirectory("schema-keys");
        try
        {
            var schema = JsonNode.Parse(await File.ReadAllTextAsync(TopUpSchema.DefaultPath))!;
            var bureau = schema["datasets"]!["bureau"]!;
            bureau["key"] = "CustomerID";
            bureau["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "ID")!["name"] = "CustomerID";
            var schemaFile = Path.Combine(work, "schema.json");
            await File.WriteAllTextAsync(schemaFile, schema.ToJsonString());
            using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 1);
            var options = new TopUpJobOptions
            {
                OutputDirectory = Path.Combine(work, "out"),
                ModelFile = await JobTestBed.ImportCourseModel(work),
                SchemaFile = schemaFile,
                Trigger = new Trigger.AvailableNow(),
            };

            var refused = Assert.ThrowsAsync<SchemaException>(() =>
                TopUpJob.RunAsync(options, new KafkaSettings(cluster.BootstrapServers), NullLoggerFactory.Instance, CancellationToken.None));

            Assert.That(refused!.Message, Does.Contain("customer 'ID'").And.Contain("bureau 'CustomerID'"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
