namespace TopUpSpark.Streaming.Plan;

/// <summary>
/// An operator that reads its source's records in place and copies whatever it keeps: once the last such
/// reader of a source has run, the engine can give the records' bytes back to the pool mid-batch.
/// </summary>
public interface IRecordDecoder;
