using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using TopUpSpark.Serving;

namespace TopUpSpark.TestSupport;

/// <summary>
/// Debian's redis-server on a free loopback port, in memory only (no snapshots, no append-only file), in a
/// folder of its own, with a client connected to it for the test's own reads and writes; stopped and removed on
/// dispose. scripts/test.sh installs it (redis-server).
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A client of this server, for what the test itself reads or writes.</summary>
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    /// <summary>HOST:PORT, as --redis takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var directory = RepositoryRoot.NewScratchDirectory("redis");
        var port = LoopbackPort.Free();
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", directory })
            info.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed: scripts/test.sh installs Debian's redis-server (apt-get install redis-server)", e);
        }
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, directory, port);
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (!await AnswersAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                server.Dispose();
                lock (output) throw new InvalidOperationException($"redis-server on port {port} did not come up; its output:\n{output}");
            }
            await Task.Delay(50);
        }
        server.Connection = await RedisConnection.ConnectAsync(server.Endpoint, Waits.HangBound);
        return server;
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Connection?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the next clean of the test output.
        }
    }
}
