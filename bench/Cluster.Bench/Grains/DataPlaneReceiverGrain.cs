using System.Net;
using Microsoft.Extensions.Options;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Hosting;
using U2PL.Grains.Placement;

namespace U2PL.Cluster.Bench.Grains;

/// <summary>
/// Hosts a <see cref="DataPlaneServer"/> whose consumer is the product's <see cref="PooledTensorSink"/> (bodies land in
/// pooled, reused buffers and are dropped), with the silo's own certificate when the silo runs mutual TLS: the setup of
/// <c>payload --data-plane --tls</c>, where every end holds a certificate from the run's CA.
/// </summary>
[StateSiloPlacement]
public sealed class DataPlaneReceiverGrain(IOptions<U2plSiloOptions> silo) : Grain, IDataPlaneReceiverGrain
{
    private DataPlaneServer? _server;

    /// <inheritdoc />
    public Task<int> Listen()
    {
        var tls = silo.Value.Tls() is { } files ? new DataPlaneTls(files) : null;
        _server ??= DataPlaneServer.Start(new DataPlaneOptions { Port = 0 }, tls, new PooledTensorSink((_, _, _) => ValueTask.CompletedTask), address: IPAddress.Loopback);
        return Task.FromResult(_server.EndPoint.Port);
    }

    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
