using System.Collections.Concurrent;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Messaging;

/// <summary>The clients connected to this silo's gateway, by client id (observer calls are delivered through them).</summary>
internal sealed class GatewayClientRegistry
{
    private readonly ConcurrentDictionary<string, Connection> _clients = new();

    public void Add(Connection connection) => _clients[connection.PeerId] = connection;

    public void Remove(Connection connection) =>
        _clients.TryRemove(new KeyValuePair<string, Connection>(connection.PeerId, connection));

    public Connection? Find(string clientId) =>
        _clients.TryGetValue(clientId, out var c) && !c.IsClosed ? c : null;

    public int Count => _clients.Count;
}
