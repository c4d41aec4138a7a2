using NUnit.Framework;

namespace TopUpSpark.Job.Tests;

public class CompileAheadTests
{
    [Test]
    public void All_of_the_jobs_own_code_compiles_before_the_first_batch()
    {
        var result = CompileAhead.Compile(TopUpJob.OwnAssemblies, threads: 2);

        Assert.That(result.NotCompiled, Is.Zero, "a method of the job's assemblies could not be compiled: a dependency is missing");
        Assert.That(result.Methods, Is.Positive);
    }
}
