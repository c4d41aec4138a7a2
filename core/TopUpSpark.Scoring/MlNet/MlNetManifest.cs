using System.Text.Json.Nodes;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// <c>manifest.json</c> of a model file <c>topup-models train</c> writes (<see cref="MlNetModelFile"/>): what scoring
/// needs besides the model itself; <see cref="Card"/> is the model card, kept for describe.
/// </summary>
public sealed record MlNetManifest(
    string Format,
    int FormatVersion,
    string Trainer,
    IReadOnlyList<string> NumericInputs,
    IReadOnlyList<string> CategoricalInputs,
    double Threshold,
    DateTimeOffset TrainedAtUtc,
    JsonObject? Card)
{
    /// <exception cref="ArgumentException">A row with other numbers of inputs than the model's.</exception>
    internal void RequireRow(int numericCount, int categoricalCount)
    {
        if (numericCount != NumericInputs.Count || categoricalCount != CategoricalInputs.Count)
            throw new ArgumentException(
                $"expected {NumericInputs.Count} numeric and {CategoricalInputs.Count} categorical inputs, got {numericCount} and {categoricalCount}");
    }

    /// <summary>The model kind for logs and describe: the trainer, then how rows are scored.</summary>
    internal string Kind(string scorer) => $"mlnet-{Trainer.ToLowerInvariant()} ({scorer})";
}
