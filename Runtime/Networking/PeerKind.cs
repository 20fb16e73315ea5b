namespace U2PL.Runtime.Networking;

/// <summary>What the authenticated peer of a connection is.</summary>
public enum PeerKind : byte
{
    /// <summary>Another silo (silo port).</summary>
    Silo = 1,

    /// <summary>A cluster client (gateway port).</summary>
    Client = 2,
}
