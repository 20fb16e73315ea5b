using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Hosting;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Scheduler;
using U2PL.Runtime.Serialization;
using U2PL.Runtime.Storage;
using U2PL.Runtime.Timers;

namespace U2PL.Runtime.Catalog;

/// <summary>Lifecycle states of an activation.</summary>
internal enum ActivationState
{
    Activating,
    Valid,
    Deactivating,
    Invalid,
}

/// <summary>One activation: the grain instance, its scheduler, timers, epoch and life cycle.</summary>
internal sealed class ActivationData : IGrainContext
{
    private readonly SiloServices _silo;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private Task? _deactivation;
    private Grain? _instance;

    public ActivationData(GrainId grainId, GrainClassInfo classInfo, SiloServices silo, Func<ActivationData, DeactivationReason, Task> deactivate)
    {
        GrainId = grainId;
        ClassInfo = classInfo;
        _silo = silo;
        _logger = silo.LoggerFactory.CreateLogger("U2PL.Runtime.Catalog");
        Scheduler = new ActivationScheduler(classInfo.IsReentrant);
        RequestDeactivation = deactivate;
        LastUsed = silo.Time.GetUtcNow();
    }

    public GrainId GrainId { get; }

    public GrainClassInfo ClassInfo { get; }

    public long ActivationEpoch { get; private set; }

    public string SiloAddress => _silo.Address.ToString();

    public IGrainFactory GrainFactory => _silo.GrainFactory;

    public IServiceProvider ActivationServices => _silo.Services;

    public object GetReference(Type interfaceType)
    {
        if (!interfaceType.IsInterface || !typeof(IAddressable).IsAssignableFrom(interfaceType) || !interfaceType.IsAssignableFrom(ClassInfo.GrainClass))
            throw new ArgumentException($"{ClassInfo.GrainClass} does not implement the grain or observer interface {interfaceType}.", nameof(interfaceType));
        return ((Invocation.RuntimeClientBase)_silo.GrainFactory).References.CreateReference(GrainId, interfaceType);
    }

    public ActivationScheduler Scheduler { get; }

    public ActivationState State { get; private set; } = ActivationState.Activating;

    public DateTimeOffset LastUsed { get; private set; }

    public Task Ready => _ready.Task;

    private Func<ActivationData, DeactivationReason, Task> RequestDeactivation { get; }

    /// <summary>Creates the grain and runs OnActivateAsync as the first turn.</summary>
    public async Task ActivateAsync(long epoch, CancellationToken cancellationToken)
    {
        ActivationEpoch = epoch;
        try
        {
            var item = new WorkItem(TurnKind.Exclusive, async () =>
            {
                _instance = (Grain)ActivatorUtilities.CreateInstance(_silo.Services, ClassInfo.GrainClass);
                _instance.Attach(this);
                await _instance.OnActivateAsync(cancellationToken).ConfigureAwait(true);
            });
            if (!Scheduler.TryEnqueue(item)) throw new InvalidOperationException("Activation closed before it started.");
            await item.Completion.Task.ConfigureAwait(false);
            lock (_lock)
            {
                if (State == ActivationState.Activating) State = ActivationState.Valid;
            }
            Log.Activated(_logger, GrainId, epoch);
            _ready.TrySetResult();
        }
        catch (Exception e)
        {
            Log.ActivationFailed(_logger, GrainId, e);
            _ready.TrySetException(e);
            throw;
        }
    }

    /// <summary>Runs a call as a turn and returns its response message.</summary>
    public async Task<Message> InvokeAsync(Message request, GrainMethodDescriptor method, CancellationToken cancellationToken)
    {
        try
        {
            await _ready.Task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ExceptionResponse(request, e);
        }
        if (State != ActivationState.Valid) return Message.ResponseTo(request, ResponseStatus.Unavailable);
        LastUsed = _silo.Time.GetUtcNow();
        var kind = method.IsAlwaysInterleave || request.IsAlwaysInterleave ? TurnKind.Interleave
            : method.IsReadOnly || request.IsReadOnly ? TurnKind.ReadOnly : TurnKind.Exclusive;
        Message? response = null;
        var item = new WorkItem(kind, async () =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                response = Message.ResponseTo(request, ResponseStatus.Cancelled);
                return;
            }
            object?[] args;
            try
            {
                args = _silo.Bodies.ReadArguments(method, request.IncomingBody, cancellationToken);
            }
            catch (Exception e) when (e is WireFormatException or InvalidCastException or NotSupportedException)
            {
                response = Message.ResponseTo(request, ResponseStatus.BadRequest);
                response.OutgoingBody = BodySerializer.WriteException(e);
                return;
            }
            try
            {
                var result = await method.Invoker(_instance!, args).ConfigureAwait(true);
                response = Message.ResponseTo(request, ResponseStatus.Ok);
                response.OutgoingBody = _silo.Bodies.WriteResult(method, result);
            }
            catch (Exception e)
            {
                response = ExceptionResponse(request, e);
            }
            finally
            {
                LastUsed = _silo.Time.GetUtcNow();
            }
        });
        if (!Scheduler.TryEnqueue(item)) return Message.ResponseTo(request, ResponseStatus.Unavailable);
        await item.Completion.Task.ConfigureAwait(false);
        return response ?? Message.ResponseTo(request, ResponseStatus.Unavailable);
    }

    private static Message ExceptionResponse(Message request, Exception e)
    {
        var response = Message.ResponseTo(request, ResponseStatus.Exception);
        response.OutgoingBody = BodySerializer.WriteException(e);
        return response;
    }

    /// <summary>Marks the activation deactivating and returns whether the caller should run the deactivation.</summary>
    public bool TryBeginDeactivation(out Task existing)
    {
        lock (_lock)
        {
            if (_deactivation is not null) { existing = _deactivation; return false; }
            State = ActivationState.Deactivating;
            existing = Task.CompletedTask;
            return true;
        }
    }

    public void SetDeactivationTask(Task task)
    {
        lock (_lock) _deactivation = task;
    }

    /// <summary>Runs OnDeactivateAsync after the queued turns, stops timers and closes the scheduler.</summary>
    public async Task RunDeactivationAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_ready.Task.IsCompletedSuccessfully && _instance is not null)
        {
            var item = new WorkItem(TurnKind.Exclusive, () => _instance.OnDeactivateAsync(reason, cancellationToken));
            if (Scheduler.TryEnqueue(item))
            {
                try
                {
                    await item.Completion.Task.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Log.DeactivationFailed(_logger, GrainId, e);
                }
            }
        }
        _stopping.Cancel();
        await Scheduler.CloseAsync().ConfigureAwait(false);
        State = ActivationState.Invalid;
        Log.Deactivated(_logger, GrainId, reason.Description);
    }

    public void Deactivate(DeactivationReason reason) => _ = RequestDeactivation(this, reason);

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options) =>
        new GrainTimer(callback, options, Scheduler.TryEnqueue, e => Log.TimerFailed(_logger, GrainId, e), _stopping.Token);

    public Task<byte[]?> ReadStateAsync(CancellationToken cancellationToken = default) => _silo.Storage.ReadAsync(GrainId, cancellationToken);

    public async Task WriteStateAsync(ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        try
        {
            await _silo.Storage.WriteAsync(GrainId, ActivationEpoch, state, cancellationToken).ConfigureAwait(true);
        }
        catch (StaleActivationException)
        {
            _silo.Metrics.FencedWrite();
            Log.FencedWriteRefused(_logger, GrainId, ActivationEpoch);
            throw;
        }
    }
}
