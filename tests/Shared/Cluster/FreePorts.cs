using System.Net;
using System.Net.Sockets;

namespace U2PL.Tests.Cluster;

/// <summary>
/// Free loopback TCP ports (taken from the OS, released before use). The OS may hand a released port out again, so a
/// port already given to this process is never returned twice: a silo's silo and gateway ports must differ.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port)) return port;
            }
        }
    }
}
