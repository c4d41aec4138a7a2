namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// ML.NET's PlattCalibrator.PredictProbability, to the bit: 1 / (1 + exp(slope · score + offset)) in double,
/// rounded to float; a NaN score stays NaN.
/// </summary>
internal readonly record struct PlattCalibration(double Slope, double Offset)
{
    public float Probability(float score) => float.IsNaN(score) ? score : (float)(1 / (1 + Math.Exp(Slope * score + Offset)));
}
