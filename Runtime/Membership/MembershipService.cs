using Microsoft.Extensions.Logging;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;

namespace U2PL.Runtime.Membership;

/// <summary>
/// A silo's membership agent: joins the table (joining → active), writes heartbeats, reads the table periodically into
/// the local view, probes silos whose heartbeats are older than the death timeout and declares them dead when the
/// probe fails too (a conditional write on the table version: only one silo's declaration wins, and every silo then
/// reads the same view). Leaves the table on graceful shutdown; stops the silo when it finds itself declared dead.
/// </summary>
internal sealed class MembershipService : IAsyncDisposable
{
    private readonly IMembershipTable _table;
    private readonly MembershipEntry _self;
    private readonly ClusterMembershipOptions _options;
    private readonly string _clusterId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<SiloAddress, TimeSpan, Task<bool>> _probe;
    private readonly Action _onDeclaredDead;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private MembershipTableSnapshot _view = MembershipTableSnapshot.Empty;
    private SiloStatus _status = SiloStatus.None;

    public MembershipService(IMembershipTable table, MembershipEntry self, ClusterMembershipOptions options, string clusterId,
        TimeProvider time, ILogger logger, Func<SiloAddress, TimeSpan, Task<bool>> probe, Action onDeclaredDead)
    {
        _table = table;
        _self = self;
        _options = options;
        _clusterId = clusterId;
        _time = time;
        _logger = logger;
        _probe = probe;
        _onDeclaredDead = onDeclaredDead;
    }

    /// <summary>The latest view of the table.</summary>
    public MembershipTableSnapshot View => Volatile.Read(ref _view);

    /// <summary>This silo's status.</summary>
    public SiloStatus Status => _status;

    /// <summary>Raised after the view changed.</summary>
    public event Action<MembershipTableSnapshot>? ViewChanged;

    /// <summary>Whether the silo is active in the current view.</summary>
    public bool IsActive(SiloAddress silo) => View.Find(silo)?.Status == SiloStatus.Active;

    /// <summary>
    /// Whether the silo is known to be dead: dead in the view, or absent from a fresh read of the table (a silo that
    /// is merely unknown to a stale view is not declared dead here: taking over its grains could duplicate them).
    /// </summary>
    public async Task<bool> IsDeadAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        var entry = View.Find(silo);
        if (entry is not null) return entry.Status == SiloStatus.Dead;
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        entry = View.Find(silo);
        return entry is null || entry.Status == SiloStatus.Dead;
    }

    /// <summary>Creates the schema if needed and inserts this silo as joining.</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        await _table.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await WriteSelfAsync(SiloStatus.Joining, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks this silo active and starts heartbeats and failure detection.</summary>
    public async Task BecomeActiveAsync(CancellationToken cancellationToken)
    {
        await WriteSelfAsync(SiloStatus.Active, cancellationToken).ConfigureAwait(false);
        _loops.Add(Task.Run(HeartbeatLoopAsync));
        _loops.Add(Task.Run(RefreshLoopAsync));
    }

    /// <summary>Marks this silo shutting down (no new activations are placed here).</summary>
    public Task BeginShutdownAsync(CancellationToken cancellationToken) =>
        _status == SiloStatus.Dead ? Task.CompletedTask : WriteSelfAsync(SiloStatus.ShuttingDown, cancellationToken);

    /// <summary>Marks this silo dead (left) and stops the loops.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        _stop.Cancel();
        if (_status != SiloStatus.Dead) await WriteSelfAsync(SiloStatus.Dead, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task WriteSelfAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var snapshot = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var current = snapshot.Find(_self.Silo);
            if (current?.Status == SiloStatus.Dead && status != SiloStatus.Dead)
            {
                SetView(snapshot);
                throw new InvalidOperationException($"Silo {_self.Silo} was declared dead by {current.DeclaredDeadBy}.");
            }
            var entry = _self with { Status = status, IAmAliveTime = _time.GetUtcNow() };
            if (await _table.UpsertAsync(entry, snapshot.Version, cancellationToken).ConfigureAwait(false))
            {
                _status = status;
                Log.SiloStatusChanged(_logger, _self.Silo.ToString(), status, _clusterId);
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            if (attempt > 100) throw new InvalidOperationException("Membership table too contended.");
            await Task.Delay(Random.Shared.Next(5, 50), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the table into the view.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        SetView(await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false));
    }

    private void SetView(MembershipTableSnapshot snapshot)
    {
        var old = Interlocked.Exchange(ref _view, snapshot);
        if (old.Version == snapshot.Version) return;
        Log.MembershipViewChanged(_logger, snapshot.Version, snapshot.Active.Count());
        ViewChanged?.Invoke(snapshot);
    }

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _table.UpdateIAmAliveAsync(_self.Silo, _time.GetUtcNow(), _stop.Token).ConfigureAwait(false);
                await Task.Delay(_options.IAmAlivePeriod, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.MembershipOperationFailed(_logger, e);
                await Task.Delay(_options.IAmAlivePeriod, _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task RefreshLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RefreshPeriod, _time, _stop.Token).ConfigureAwait(false);
                var snapshot = await _table.ReadAllAsync(_stop.Token).ConfigureAwait(false);
                SetView(snapshot);
                var me = snapshot.Find(_self.Silo);
                if (me?.Status == SiloStatus.Dead && _status != SiloStatus.Dead)
                {
                    _status = SiloStatus.Dead;
                    Log.DeclaredDeadSelf(_logger, _self.Silo.ToString(), me.DeclaredDeadBy);
                    _onDeclaredDead();
                    return;
                }
                await DetectFailuresAsync(snapshot, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.MembershipOperationFailed(_logger, e);
            }
        }
    }

    private async Task DetectFailuresAsync(MembershipTableSnapshot snapshot, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var entry in snapshot.Entries)
        {
            if (entry.Silo == _self.Silo || entry.Status is SiloStatus.Dead or SiloStatus.None) continue;
            var age = now - entry.IAmAliveTime;
            if (age < _options.DeathTimeout) continue;
            if (await _probe(entry.Silo, _options.ProbeTimeout).ConfigureAwait(false)) continue;
            Log.DeclaringDead(_logger, entry.Silo.ToString(), (long)age.TotalMilliseconds);
            var dead = entry with { Status = SiloStatus.Dead, DeclaredDeadBy = _self.Silo.ToString() };
            if (await _table.UpsertAsync(dead, snapshot.Version, cancellationToken).ConfigureAwait(false))
            {
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            return; // the version moved either way: re-read before judging another silo
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
