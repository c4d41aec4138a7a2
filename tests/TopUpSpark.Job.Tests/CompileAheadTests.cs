using System.Reflection;
using NUnit.Framework;
using System.Runtime.CompilerServices;
using TopUpSpark.Job.Ui;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.MlNet;

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

    [Test]
    public void Code_off_the_batch_path_is_left_out_with_its_lambdas_and_async_methods()
    {
        var all = CompileAhead.Compile(TopUpJob.OwnAssemblies, threads: 2);
        var withoutUi = CompileAhead.Compile(TopUpJob.OwnAssemblies, threads: 2, new HashSet<Type> { typeof(StreamingUi) });

        // StreamingUi's own methods, and those of the closures and state machines the compiler nests in it.
        var uiMethods = new[] { typeof(StreamingUi) }.Concat(typeof(StreamingUi).GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
            .Where(t => !t.ContainsGenericParameters)
            .Sum(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Cast<MethodBase>().Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                .Count(m => !m.IsAbstract && !m.ContainsGenericParameters && m.GetMethodBody() is not null));
        Assert.That(typeof(StreamingUi).GetNestedTypes(BindingFlags.NonPublic), Is.Not.Empty, "the UI's routes are lambdas, nested in it by the compiler");
        Assert.That(withoutUi.Methods, Is.EqualTo(all.Methods - uiMethods));
    }

    [Test]
    public void A_job_without_redis_leaves_its_redis_sink_to_a_first_call_and_one_with_redis_compiles_it()
    {
        var options = new TopUpJobOptions { OutputDirectory = "out", ModelFile = "model.zip" };
        var model = Unloaded<CompiledMlNetModel>();
        Assert.That(TopUpJob.OffTheBatchPath(options, model), Does.Contain(typeof(RedisPredictionSink)));
        Assert.That(TopUpJob.OffTheBatchPath(options with { Redis = "127.0.0.1:6379" }, model), Does.Not.Contain(typeof(RedisPredictionSink)));
        Assert.That(TopUpJob.OffTheBatchPath(options, model), Does.Contain(typeof(StreamingUiFigures)), "the UI's charts are drawn on its request threads");
    }

    [Test]
    public void Model_loading_and_ml_net_are_compiled_ahead_only_for_a_model_that_scores_on_ml_nets_engine()
    {
        var options = new TopUpJobOptions { OutputDirectory = "out", ModelFile = "model.zip" };

        var offThePath = TopUpJob.OffTheBatchPath(options, Unloaded<CompiledMlNetModel>());

        Assert.That(offThePath, Is.SupersetOf(new[] { typeof(MlNetModelFile), typeof(ModelFile), typeof(MlNetTopUpModel), typeof(MlNetInputRow) }),
            "a compiled model is loaded before the batches start and never calls ML.NET");
        Assert.That(offThePath, Does.Not.Contain(typeof(CompiledMlNetModel)));
        Assert.That(TopUpJob.OffTheBatchPath(options, Unloaded<MlNetTopUpModel>()), Does.Not.Contain(typeof(MlNetTopUpModel)).And.Not.Contain(typeof(MlNetInputRow)),
            "a model on ML.NET's engine scores every batch with it");
    }

    /// <summary>A model of the kind only, never scored: what is compiled ahead depends on nothing else.</summary>
    private static ITopUpModel Unloaded<TModel>() where TModel : ITopUpModel => (ITopUpModel)RuntimeHelpers.GetUninitializedObject(typeof(TModel));
}
