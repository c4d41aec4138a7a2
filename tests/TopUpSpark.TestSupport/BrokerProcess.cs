namespace TopUpSpark.TestSupport;

/// <summary>
/// The embedded Kafka broker (<c>broker/</c>, librdkafka's mock cluster) in a process of its own, so a
/// test can do to it what happens to a real broker: freeze it (SIGSTOP: connections stay open, nothing
/// answers), resume it, or kill it.
/// </summary>
public sealed class BrokerProcess : IDisposable
{
    private readonly ProgramProcess _process;

    private BrokerProcess(ProgramProcess process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static async Task<BrokerProcess> StartAsync(string workDirectory, IEnumerable<string> topics, int partitions = 4)
    {
        var process = ProgramProcess.Start(ProgramProcess.Dll("broker", "topup-broker"), Path.Combine(workDirectory, "broker.log"),
            ["--topics", string.Join(',', topics), "--partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--announce-file", Path.Combine(workDirectory, "broker.json")]);
        try
        {
            const string prefix = "BOOTSTRAP_SERVERS=";
            var line = await process.WaitForLineAsync(l => l.StartsWith(prefix, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            return new BrokerProcess(process, line[prefix.Length..].Trim());
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public void Freeze() => _process.Signal(ProgramProcess.SigStop);

    public void Resume() => _process.Signal(ProgramProcess.SigCont);

    public void Dispose() => _process.Dispose();
}
