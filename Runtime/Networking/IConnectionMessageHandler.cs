using U2PL.Runtime.Messaging;

namespace U2PL.Runtime.Networking;

/// <summary>Receives the requests, cancels and close events of a connection (responses are matched by the connection).</summary>
public interface IConnectionMessageHandler
{
    /// <summary>A request or cancel arrived. Must not block: start the work and return.</summary>
    void OnMessage(Connection connection, Message message);

    /// <summary>The connection closed (its pending requests already failed).</summary>
    void OnClosed(Connection connection);
}
