using Microsoft.ML.Data;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// One joined row as the ML.NET pipeline sees it: numeric inputs as a float vector (NaN = null) and
/// categorical inputs as a text vector of "column=value" tokens, so that one bag-of-tokens one-hot
/// encoding serves every categorical column without their values colliding.
/// </summary>
public sealed class MlNetInputRow
{
    public const string NumericColumn = "Numeric";
    public const string CategoricalColumn = "Categorical";
    public const string LabelColumn = "Label";

    [ColumnName(NumericColumn)]
    public float[] Numeric { get; set; } = [];

    [ColumnName(CategoricalColumn)]
    public string[] Categorical { get; set; } = [];

    [ColumnName(LabelColumn)]
    public bool Label { get; set; }

    private const string NullTokenSuffix = "\u0000null";

    /// <summary>The token a categorical value becomes; null gets a token of its own (it can carry signal).</summary>
    public static string Token(string column, string? value) => value is null ? column + NullTokenSuffix : column + "=" + value;

    /// <summary>
    /// The column and value <paramref name="token"/> stands for (value null for a null token): unambiguous when no
    /// column name holds '=' or NUL. False for a string <see cref="Token"/> does not make.
    /// </summary>
    public static bool TryParseToken(string token, out string column, out string? value)
    {
        var equals = token.IndexOf('=');
        var nul = token.IndexOf('\0');
        if (nul >= 0 && (equals < 0 || nul < equals) && token.AsSpan(nul).SequenceEqual(NullTokenSuffix))
        {
            (column, value) = (token[..nul], null);
            return true;
        }
        if (equals >= 0 && (nul < 0 || equals < nul))
        {
            (column, value) = (token[..equals], token[(equals + 1)..]);
            return true;
        }
        (column, value) = ("", null);
        return false;
    }

    public static MlNetInputRow From(IReadOnlyList<string> categoricalNames, ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical, bool label = false)
    {
        var numbers = new float[numeric.Length];
        for (var i = 0; i < numeric.Length; i++) numbers[i] = (float)numeric[i];
        var tokens = new string[categorical.Length];
        for (var i = 0; i < categorical.Length; i++) tokens[i] = Token(categoricalNames[i], categorical[i]);
        return new MlNetInputRow { Numeric = numbers, Categorical = tokens, Label = label };
    }

    /// <summary>The schema with the vector sizes filled in (the attribute-based one has unknown sizes).</summary>
    public static SchemaDefinition Schema(int numericCount, int categoricalCount)
    {
        var schema = SchemaDefinition.Create(typeof(MlNetInputRow));
        schema[NumericColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, numericCount);
        schema[CategoricalColumn].ColumnType = new VectorDataViewType(TextDataViewType.Instance, categoricalCount);
        return schema;
    }
}

/// <summary>What the ML.NET binary classifiers add to a row: the calibrated probability of class 1.</summary>
public sealed class MlNetOutputRow
{
    public float Probability { get; set; }
}
