using System.Collections.Concurrent;
using Microsoft.ML;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// A model trained by <c>topup-models train</c>. ML.NET's prediction engine is not thread-safe, so each
/// call borrows one from a pool. Nulls are fine: numeric nulls are imputed by the model's own missing-value
/// step and categorical nulls have their own token, so no row is ever rejected.
/// </summary>
public sealed class MlNetTopUpModel : ITopUpModel
{
    private readonly MLContext _context;
    private readonly ITransformer _model;
    private readonly Microsoft.ML.Data.SchemaDefinition _inputSchema;
    private readonly ConcurrentBag<PredictionEngine<MlNetInputRow, MlNetOutputRow>> _engines = [];

    internal MlNetTopUpModel(MLContext context, ITransformer model, MlNetModelFile.Manifest manifest)
    {
        _context = context;
        _model = model;
        Manifest = manifest;
        _inputSchema = MlNetInputRow.Schema(manifest.NumericInputs.Count, manifest.CategoricalInputs.Count);
        Kind = "mlnet-" + manifest.Trainer.ToLowerInvariant();
        // Build one engine now so that a model that cannot score fails at load, not on the first row.
        _engines.Add(CreateEngine());
    }

    public string Kind { get; }
    public IReadOnlyList<string> NumericInputs => Manifest.NumericInputs;
    public IReadOnlyList<string> CategoricalInputs => Manifest.CategoricalInputs;
    public MlNetModelFile.Manifest Manifest { get; }

    /// <summary>Decision threshold on the probability, chosen on validation data when training.</summary>
    public double Threshold => Manifest.Threshold;

    public ModelScore Score(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical)
    {
        if (numeric.Length != Manifest.NumericInputs.Count || categorical.Length != Manifest.CategoricalInputs.Count)
            throw new ArgumentException(
                $"expected {Manifest.NumericInputs.Count} numeric and {Manifest.CategoricalInputs.Count} categorical inputs, got {numeric.Length} and {categorical.Length}");
        var row = MlNetInputRow.From(Manifest.CategoricalInputs, numeric, categorical);
        if (!_engines.TryTake(out var engine)) engine = CreateEngine();
        try
        {
            double probability = engine.Predict(row).Probability;
            return new ModelScore(probability >= Manifest.Threshold ? 1 : 0, probability);
        }
        finally
        {
            _engines.Add(engine);
        }
    }

    private PredictionEngine<MlNetInputRow, MlNetOutputRow> CreateEngine() =>
        _context.Model.CreatePredictionEngine<MlNetInputRow, MlNetOutputRow>(_model, inputSchemaDefinition: _inputSchema);
}
