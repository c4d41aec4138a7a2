namespace TopUpSpark.Producer.DataGeneration;

/// <summary>
/// xoshiro256** seeded through SplitMix64: fully specified, so a seed gives the same numbers on every
/// runtime and machine (System.Random's seeded sequence is an implementation detail we do not rely on).
/// One instance per (seed, stream, customer) lets any customer be re-drawn on its own.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public static SeededRandom For(long seed, ulong stream, long index) =>
        new(Mix((ulong)seed) ^ Mix(stream + 0x9E3779B97F4A7C15UL) ^ Mix((ulong)index * 0xD1B54A32D192ED03UL + 1));

    /// <summary>A seed derived from text (FNV-1a), stable across processes unlike string.GetHashCode.</summary>
    public static SeededRandom ForName(string name, ulong salt)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return new SeededRandom(Mix(hash ^ salt));
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public int NextInt(int min, int maxInclusive) => min + NextInt(maxInclusive - min + 1);

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Standard normal (Box–Muller; one value per call keeps the stream position simple).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Gamma with integer shape, as a sum of exponentials.</summary>
    public double NextGamma(int shape, double scale)
    {
        var product = 1.0;
        for (var i = 0; i < shape; i++) product *= 1.0 - NextDouble();
        return -scale * Math.Log(product);
    }

    /// <summary>Poisson by inversion; the means used here are small.</summary>
    public int NextPoisson(double mean, int cap)
    {
        var limit = Math.Exp(-mean);
        var p = 1.0;
        var k = -1;
        do
        {
            k++;
            p *= NextDouble();
        } while (p > limit && k < cap);
        return k;
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
