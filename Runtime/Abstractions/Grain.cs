using U2PL.Runtime.Catalog;
using U2PL.Runtime.Timers;

namespace U2PL.Runtime;

/// <summary>
/// Base class of grain implementations. One activation per grain id exists in the cluster; its calls run one turn at
/// a time on the activation's scheduler unless marked reentrant, read-only or always-interleave.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The activation this grain instance belongs to; set by the runtime before <see cref="OnActivateAsync"/>.</summary>
    public IGrainContext GrainContext => _context ?? throw new InvalidOperationException("The grain is not activated by the runtime.");

    /// <summary>The grain's id.</summary>
    public GrainId GrainId => GrainContext.GrainId;

    /// <summary>References to other grains, location-transparent.</summary>
    protected IGrainFactory GrainFactory => GrainContext.GrainFactory;

    /// <summary>The services of the hosting silo.</summary>
    protected IServiceProvider ServiceProvider => GrainContext.ActivationServices;

    /// <summary>The string key of this grain.</summary>
    public string GetPrimaryKeyString() => GrainId.Key;

    /// <summary>The integer key of this grain.</summary>
    public long GetPrimaryKeyLong() => long.Parse(GrainId.Key, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Called once before the first call of an activation.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called once when the activation ends (idle collection, <see cref="DeactivateOnIdle"/>, graceful silo shutdown).
    /// State grains hand their state off here. Not called when the silo process dies.
    /// </summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// This grain as a reference of another interface it implements — typically an <see cref="IGrainObserver"/>, so
    /// that the grain can subscribe itself to another grain's events (Orleans' <c>AsReference</c>). Calls through the
    /// reference are turns of this grain and reach it wherever it is activated.
    /// </summary>
    protected TInterface AsReference<TInterface>() where TInterface : IAddressable =>
        (TInterface)GrainContext.GetReference(typeof(TInterface));

    /// <summary>Asks the runtime to deactivate this activation once the current turn ends.</summary>
    protected void DeactivateOnIdle() => GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle"));

    /// <summary>
    /// Registers a timer whose callback runs as a turn of this activation (never beside another turn unless
    /// <see cref="GrainTimerCreationOptions.Interleave"/>). The next period starts after the callback completes.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options) =>
        GrainContext.RegisterTimer(callback, options);

    /// <summary>Registers a timer with a due time and a period; see <see cref="RegisterGrainTimer(Func{CancellationToken, Task}, GrainTimerCreationOptions)"/>.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        GrainContext.RegisterTimer(callback, new GrainTimerCreationOptions { DueTime = dueTime, Period = period });

    internal void Attach(IGrainContext context) => _context = context;
}
