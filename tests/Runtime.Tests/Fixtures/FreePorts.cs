using System.Net;
using System.Net.Sockets;

namespace U2PL.Runtime.Tests.Fixtures;

/// <summary>Free loopback TCP ports (taken from the OS, released before use).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
