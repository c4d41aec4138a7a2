namespace TopUpSpark.Core.Messages;

/// <summary>Predicted top-up customers of one state in one window.</summary>
public readonly record struct StateCount(string State, long Count);
