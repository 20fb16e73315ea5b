using U2PL.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using U2PL.Contracts;
using U2PL.Grains.Placement;
using U2PL.Synthetic;

namespace U2PL.Grains.Tests;

/// <summary>
/// Two in-process silos, silo 0 state and silo 1 gpu with one slot, whose parameter-server shards never answer a
/// <see cref="IParameterServerGrain.Pull"/> (<see cref="HangingPulls"/> holds each one until the cluster is disposed).
/// Orleans' response timeout is 10 minutes, so that only the caller can end a wait on a pull.
/// </summary>
public sealed class HangingShardCluster : IAsyncLifetime
{
    /// <summary>The grains' storage provider (U2PL.Grains' GrainState.Storage, internal there).</summary>
    private const string GrainStorage = "u2pl";

    public static readonly (string[] Roles, int Slots)[] Silos = [(["state"], 0), (["gpu"], 1)];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _indexByPort = new();
    private int _configured;

    public HangingPulls Pulls { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder((short)Silos.Length);
        builder.ConfigureSilo((options, silo) =>
        {
            var index = _indexByPort.GetOrAdd(options.SiloPort, _ => Interlocked.Increment(ref _configured) - 1);
            var (roles, slots) = Silos[index];
            silo.AddU2plPlacement(roles, slots);
            silo.Services.AddDatasetTypes().AddSyntheticScenes(); // as u2pl-silo: the runs here train on synthetic scenes
            silo.AddMemoryGrainStorage(GrainStorage); // the dispenser keeps its setup there
            silo.AddIncomingGrainCallFilter(Pulls);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Whether an activation of <paramref name="worker"/> lives on any silo.</summary>
    public async Task<bool> IsActiveAsync(string worker)
    {
        var management = Cluster.Client.GetGrain<IManagementGrain>(0);
        var active = await management.GetActiveGrains(GrainType.Create("u2pl.worker"));
        return active.Contains(Cluster.Client.GetGrain<IWorkerGrain>(worker).GetGrainId());
    }

    public async ValueTask DisposeAsync()
    {
        Pulls.Release();
        await Cluster.DisposeAsync();
    }
}

/// <summary>A shard that never answers: holds every <see cref="IParameterServerGrain.Pull"/> in the shard's turn until released.</summary>
public sealed class HangingPulls : IIncomingGrainCallFilter
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first pull is being held.</summary>
    public Task Entered => _entered.Task;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.Grain is IParameterServerGrain && context.MethodName == nameof(IParameterServerGrain.Pull))
        {
            _entered.TrySetResult();
            await _released.Task;
        }
        await context.Invoke();
    }

    public void Release() => _released.TrySetResult();
}
