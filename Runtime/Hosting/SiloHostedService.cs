using Microsoft.Extensions.Hosting;

namespace U2PL.Runtime.Hosting;

/// <summary>
/// Starts the silo once Kestrel listens, and stops it gracefully in the host's "stopping" phase, before any hosted
/// service (Kestrel included) stops, so that turns finish and grains hand off over live connections.
/// </summary>
internal sealed class SiloHostedService(Silo silo) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);

    public Task StoppingAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
