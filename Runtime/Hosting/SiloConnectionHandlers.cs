using Microsoft.AspNetCore.Connections;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Hosting;

/// <summary>Kestrel handler of the silo-to-silo port.</summary>
internal sealed class SiloEndpointConnectionHandler(Silo silo) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => silo.AcceptAsync(connection, PeerKind.Silo);
}

/// <summary>Kestrel handler of the client gateway port.</summary>
internal sealed class GatewayConnectionHandler(Silo silo) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => silo.AcceptAsync(connection, PeerKind.Client);
}
