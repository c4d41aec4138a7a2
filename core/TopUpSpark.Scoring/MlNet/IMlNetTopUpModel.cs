namespace TopUpSpark.Scoring.MlNet;

/// <summary>A model trained by <c>topup-models train</c>, compiled (<see cref="CompiledMlNetModel"/>) or on ML.NET's engine (<see cref="MlNetTopUpModel"/>).</summary>
public interface IMlNetTopUpModel : ITopUpModel
{
    MlNetManifest Manifest { get; }

    IReadOnlyList<string> ITopUpModel.NumericInputs => Manifest.NumericInputs;

    IReadOnlyList<string> ITopUpModel.CategoricalInputs => Manifest.CategoricalInputs;

    /// <summary>Decision threshold on the probability, chosen on validation data when training: prediction = probability ≥ threshold.</summary>
    double Threshold => Manifest.Threshold;
}
