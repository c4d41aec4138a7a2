using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>What <see cref="DataGenerator.Generate"/> writes, and where.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Customers in the original LTFS FinHack 3 data.</summary>
    public const int OriginalCustomers = 128_655;

    public int Customers { get; init; } = OriginalCustomers;

    /// <summary>Same seed, same customers: the output files are byte-identical.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Folder that receives customer.csv, bureau.csv and true-probability.csv (created when missing).</summary>
    public string OutputDirectory { get; init; } = "data";

    /// <summary>Column names, order and date formats; the schema shipped with the program when null.</summary>
    public TopUpSchema? Schema { get; init; }
}
