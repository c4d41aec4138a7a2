using System.Net;
using System.Net.Sockets;

namespace TopUpSpark.TestSupport;

/// <summary>Ports for programs a test starts that must be told their port up front (they cannot be given port 0).</summary>
public static class LoopbackPort
{
    /// <summary>A loopback port that was free a moment ago: the system's pick for a listener, closed again.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
