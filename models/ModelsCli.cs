using System.CommandLine;
using TopUpSpark.Models.Commands;

namespace TopUpSpark.Models;

/// <summary>The <c>topup-models</c> command line (also invoked in-process by the tests).</summary>
public static class ModelsCli
{
    public static RootCommand Create() => new(
        "topup-models: train the top-up model with ML.NET, convert a Spark ML PipelineModel so .NET scores exactly as Spark, score CSVs, describe model files.")
    {
        TrainCommand.Create(),
        ImportSparkCommand.Create(),
        ScoreCommand.Create(),
        DescribeCommand.Create(),
    };
}
