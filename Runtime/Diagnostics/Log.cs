using Microsoft.Extensions.Logging;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Diagnostics;

/// <summary>The runtime's log messages (source-generated, with event ids grouped by concern).</summary>
internal static partial class Log
{
    // Networking 1000-1099
    [LoggerMessage(1000, LogLevel.Warning, "Rejected connection from {Remote}: {Reason} ({Detail})")]
    public static partial void ConnectionRejected(ILogger logger, string remote, RejectReason reason, string detail);

    [LoggerMessage(1001, LogLevel.Debug, "Connection {Remote} authenticated as {PeerKind} {PeerId}")]
    public static partial void ConnectionAuthenticated(ILogger logger, string remote, PeerKind peerKind, string peerId);

    [LoggerMessage(1002, LogLevel.Debug, "Connection {Remote} closed")]
    public static partial void ConnectionClosed(ILogger logger, string remote, Exception? exception);

    [LoggerMessage(1003, LogLevel.Warning, "Handling message {Message} from {Remote} failed")]
    public static partial void MessageHandlingFailed(ILogger logger, string message, string remote, Exception exception);

    // Membership 1100-1199
    [LoggerMessage(1100, LogLevel.Information, "Silo {Silo} is now {Status} in cluster {ClusterId}")]
    public static partial void SiloStatusChanged(ILogger logger, string silo, Membership.SiloStatus status, string clusterId);

    [LoggerMessage(1101, LogLevel.Warning, "Silo {Silo} missed heartbeats ({Age} ms) and failed a probe: declaring it dead")]
    public static partial void DeclaringDead(ILogger logger, string silo, long age);

    [LoggerMessage(1102, LogLevel.Error, "This silo {Silo} was declared dead by {By}: stopping")]
    public static partial void DeclaredDeadSelf(ILogger logger, string silo, string by);

    [LoggerMessage(1103, LogLevel.Warning, "Membership operation failed")]
    public static partial void MembershipOperationFailed(ILogger logger, Exception exception);

    [LoggerMessage(1104, LogLevel.Information, "Membership view v{Version}: {Active} active silo(s)")]
    public static partial void MembershipViewChanged(ILogger logger, long version, int active);

    // Catalog 1200-1299
    [LoggerMessage(1200, LogLevel.Debug, "Activated {GrainId} (epoch {Epoch})")]
    public static partial void Activated(ILogger logger, GrainId grainId, long epoch);

    [LoggerMessage(1201, LogLevel.Debug, "Deactivated {GrainId}: {Reason}")]
    public static partial void Deactivated(ILogger logger, GrainId grainId, string reason);

    [LoggerMessage(1202, LogLevel.Warning, "Activation of {GrainId} failed")]
    public static partial void ActivationFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(1203, LogLevel.Warning, "Deactivation hook of {GrainId} failed")]
    public static partial void DeactivationFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(1204, LogLevel.Warning, "Fenced write refused for {GrainId} at epoch {Epoch}: a newer activation exists")]
    public static partial void FencedWriteRefused(ILogger logger, GrainId grainId, long epoch);

    [LoggerMessage(1205, LogLevel.Warning, "Grain timer of {GrainId} failed")]
    public static partial void TimerFailed(ILogger logger, GrainId grainId, Exception exception);

    // Hosting 1300-1399
    [LoggerMessage(1300, LogLevel.Information, "Silo {Silo} started: silo port {SiloPort}, gateway port {GatewayPort}, roles {Roles}, GPU slots {GpuSlots}")]
    public static partial void SiloStarted(ILogger logger, string silo, int siloPort, int gatewayPort, string roles, int gpuSlots);

    [LoggerMessage(1301, LogLevel.Information, "Silo {Silo} stopping: deactivating {Count} activation(s)")]
    public static partial void SiloStopping(ILogger logger, string silo, int count);

    [LoggerMessage(1302, LogLevel.Information, "Silo {Silo} stopped")]
    public static partial void SiloStopped(ILogger logger, string silo);

    // Client 1400-1499
    [LoggerMessage(1400, LogLevel.Information, "Client {ClientId} connected to gateway {Gateway}")]
    public static partial void ClientConnected(ILogger logger, string clientId, string gateway);

    [LoggerMessage(1401, LogLevel.Warning, "Client {ClientId} could not connect to gateway {Gateway}")]
    public static partial void ClientConnectFailed(ILogger logger, string clientId, string gateway, Exception exception);

    [LoggerMessage(1402, LogLevel.Debug, "Retrying call to {GrainId} (attempt {Attempt}): {Reason}")]
    public static partial void RetryingCall(ILogger logger, GrainId grainId, int attempt, string reason);
}
