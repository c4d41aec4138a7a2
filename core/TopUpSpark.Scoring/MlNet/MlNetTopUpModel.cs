using System.Collections.Concurrent;
using Microsoft.ML;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// A model trained by <c>topup-models train</c>, scored by ML.NET itself: the reference for
/// <see cref="CompiledMlNetModel"/>, and the fallback for a model that cannot be compiled exactly. ML.NET's
/// prediction engine is not thread-safe, so each call borrows one from a pool. Nulls are fine: numeric nulls
/// are imputed by the model's own missing-value step and categorical nulls have their own token, so no row
/// is ever rejected.
/// </summary>
public sealed class MlNetTopUpModel : IMlNetTopUpModel
{
    private readonly MLContext _context;
    private readonly ITransformer _model;
    private readonly Microsoft.ML.Data.SchemaDefinition _inputSchema;
    private readonly ConcurrentBag<PredictionEngine<MlNetInputRow, MlNetOutputRow>> _engines = [];

    /// <param name="scorer">How rows are scored, for <see cref="Kind"/>: the engine, and why when a compiled scorer was wanted.</param>
    internal MlNetTopUpModel(MLContext context, ITransformer model, MlNetManifest manifest, string scorer)
    {
        _context = context;
        _model = model;
        Manifest = manifest;
        _inputSchema = MlNetInputRow.Schema(manifest.NumericInputs.Count, manifest.CategoricalInputs.Count);
        Kind = manifest.Kind(scorer);
        // Build one engine now so that a model that cannot score fails at load, not on the first row.
        _engines.Add(CreateEngine());
    }

    public string Kind { get; }
    public MlNetManifest Manifest { get; }

    public ModelScore Score(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical)
    {
        Manifest.RequireRow(numeric.Length, categorical.Length);
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
