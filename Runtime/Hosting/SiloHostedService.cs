using Microsoft.Extensions.Hosting;

namespace U2PL.Runtime.Hosting;

/// <summary>Starts the silo after Kestrel listens, and stops it gracefully (before Kestrel closes its connections).</summary>
internal sealed class SiloHostedService(Silo silo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);
}
