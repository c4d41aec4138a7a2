using NUnit.Framework;

namespace TopUpSpark.Analytics.Tests;

/// <summary>Runs the pipeline once for every test here (<see cref="JobOutputs"/>): it takes seconds, and the tests only read what it made.</summary>
[SetUpFixture]
public class Pipeline
{
    private static JobOutputs? _outputs;

    public static JobOutputs Outputs => _outputs ?? throw new InvalidOperationException("the pipeline has not run");

    [OneTimeSetUp]
    public async Task Run() => _outputs = await JobOutputs.CreateAsync();

    [OneTimeTearDown]
    public void Clean() => _outputs?.Dispose();
}
