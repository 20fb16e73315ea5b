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
    private readonly Dictionary<int, DataPlaneServer> _servers = [];

    /// <inheritdoc />
    public Task<int> Listen(int nice)
    {
        if (!_servers.TryGetValue(nice, out var server))
        {
            var tls = silo.Value.Tls() is { } files ? new DataPlaneTls(files) : null;
            server = DataPlaneServer.Start(new DataPlaneOptions { Port = 0, Nice = nice }, tls, new PooledTensorSink((_, _, _) => ValueTask.CompletedTask), address: IPAddress.Loopback);
            _servers[nice] = server;
        }
        return Task.FromResult(server.EndPoint.Port);
    }

    /// <inheritdoc />
    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (var server in _servers.Values) await server.DisposeAsync();
    }
}
