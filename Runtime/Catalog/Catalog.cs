using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Hosting;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;

namespace U2PL.Runtime.Catalog;

/// <summary>
/// The silo's activations: finds or creates the activation a request targets (registering it in the directory, which
/// decides the single winner and its fencing epoch), enforces roles and GPU-slot capacity, collects idle activations
/// and deactivates everything on graceful shutdown.
/// </summary>
internal sealed class Catalog
{
    private readonly SiloServices _silo;
    private readonly MembershipService _membership;
    private readonly GrainInterfaceRegistry _interfaces;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly ConcurrentDictionary<string, Type?> _interfaceTypes = new();
    private readonly Lock _lock = new();
    private int _gpuSlotsUsed;
    private volatile bool _acceptingNew = true;

    public Catalog(SiloServices silo, MembershipService membership, GrainInterfaceRegistry interfaces)
    {
        _silo = silo;
        _membership = membership;
        _interfaces = interfaces;
        _logger = silo.LoggerFactory.CreateLogger("U2PL.Runtime.Catalog");
    }

    public int Count => _activations.Count;

    public int GpuSlotsUsed => Volatile.Read(ref _gpuSlotsUsed);

    /// <summary>Handles a request addressed to a grain this silo hosts or should host.</summary>
    public async Task<Message> HandleRequestAsync(Message request, CancellationToken cancellationToken)
    {
        var interfaceType = ResolveInterface(request.InterfaceName);
        var method = interfaceType is null ? null : _interfaces.Get(interfaceType).Find(request.MethodId);
        if (method is null) return BadRequest(request, $"Unknown interface or method {request.InterfaceName}/{request.MethodId:x8}.");

        var (activation, rejection) = await GetOrCreateAsync(request, cancellationToken).ConfigureAwait(false);
        if (rejection is not null) return rejection;
        _silo.Metrics.RequestHandled();
        return await activation!.InvokeAsync(request, method, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(ActivationData?, Message?)> GetOrCreateAsync(Message request, CancellationToken cancellationToken)
    {
        var grainId = request.Target;
        if (_activations.TryGetValue(grainId, out var existing))
            return existing.State is ActivationState.Activating or ActivationState.Valid
                ? (existing, null)
                : (null, Message.ResponseTo(request, ResponseStatus.Unavailable));

        var classInfo = _silo.Manifest.Find(grainId.Type);
        if (classInfo is null) return (null, BadRequest(request, $"No grain class implements {grainId.Type} on this silo."));
        if (!_silo.HasRole(classInfo.RequiredRole)) return (null, Message.ResponseTo(request, ResponseStatus.NotHere));

        ActivationData activation;
        lock (_lock)
        {
            if (_activations.TryGetValue(grainId, out existing)) return (existing, null);
            if (!_acceptingNew || _membership.Status != SiloStatus.Active) return (null, Message.ResponseTo(request, ResponseStatus.Unavailable));
            if (classInfo.UsesGpuSlot)
            {
                if (_gpuSlotsUsed >= _silo.Options.GpuSlots) return (null, Message.ResponseTo(request, ResponseStatus.CapacityExhausted));
                _gpuSlotsUsed++;
            }
            activation = new ActivationData(grainId, classInfo, _silo, DeactivateAsync);
            _activations[grainId] = activation;
        }

        try
        {
            var current = await _silo.Directory.LookupAsync(grainId, cancellationToken).ConfigureAwait(false);
            SiloAddress? previous = null;
            if (current?.Silo is { } holder && holder != _silo.Address)
            {
                if (!await _membership.IsDeadAsync(holder, cancellationToken).ConfigureAwait(false))
                {
                    Remove(activation);
                    return (null, Message.ResponseTo(request, ResponseStatus.NotHere, holder.ToString()));
                }
                previous = holder;
            }
            var registered = await _silo.Directory.RegisterAsync(grainId, _silo.Address, previous, cancellationToken).ConfigureAwait(false);
            if (registered.Silo != _silo.Address)
            {
                Remove(activation);
                return (null, Message.ResponseTo(request, ResponseStatus.NotHere, registered.Silo?.ToString()));
            }
            _silo.Metrics.ActivationDelta(1);
            try
            {
                await activation.ActivateAsync(registered.Epoch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                await DeactivateAsync(activation, new DeactivationReason(DeactivationReasonCode.ActivationFailed, "OnActivateAsync threw")).ConfigureAwait(false);
                return (activation, null); // InvokeAsync turns the failed activation into an exception response
            }
            return (activation, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Remove(activation);
            Diagnostics.Log.ActivationFailed(_logger, grainId, e);
            return (null, Message.ResponseTo(request, ResponseStatus.Unavailable));
        }
    }

    /// <summary>Deactivates one activation (idempotent): queued turns finish, OnDeactivateAsync runs, the entry is unregistered.</summary>
    public Task DeactivateAsync(ActivationData activation, DeactivationReason reason)
    {
        if (!activation.TryBeginDeactivation(out var existing)) return existing;
        var task = RunDeactivationAsync(activation, reason);
        activation.SetDeactivationTask(task);
        return task;
    }

    private async Task RunDeactivationAsync(ActivationData activation, DeactivationReason reason)
    {
        await Task.Yield(); // never run a deactivation inline in the turn that requested it
        using var timeout = new CancellationTokenSource(_silo.Membership.ShutdownTimeout);
        await activation.RunDeactivationAsync(reason, timeout.Token).ConfigureAwait(false);
        if (activation.ActivationEpoch > 0 && _membership.Status != SiloStatus.Dead)
        {
            try
            {
                await _silo.Directory.UnregisterAsync(activation.GrainId, _silo.Address, activation.ActivationEpoch, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Diagnostics.Log.DeactivationFailed(_logger, activation.GrainId, e);
            }
            _silo.Metrics.ActivationDelta(-1);
        }
        Remove(activation);
    }

    private void Remove(ActivationData activation)
    {
        lock (_lock)
        {
            if (_activations.TryGetValue(activation.GrainId, out var current) && current == activation)
            {
                _activations.TryRemove(activation.GrainId, out _);
                if (activation.ClassInfo.UsesGpuSlot) _gpuSlotsUsed--;
            }
        }
    }

    /// <summary>Stops creating activations (graceful shutdown).</summary>
    public void StopAcceptingNew() => _acceptingNew = false;

    /// <summary>Deactivates every activation.</summary>
    public Task DeactivateAllAsync(DeactivationReason reason) =>
        Task.WhenAll(_activations.Values.Select(a => DeactivateAsync(a, reason)));

    /// <summary>Deactivates activations idle for longer than the collection age.</summary>
    public Task CollectIdleAsync()
    {
        var cutoff = _silo.Time.GetUtcNow() - _silo.Membership.CollectionAge;
        return Task.WhenAll(_activations.Values.Where(a => a.State == ActivationState.Valid && a.LastUsed < cutoff)
            .Select(a => DeactivateAsync(a, new DeactivationReason(DeactivationReasonCode.ActivationIdle, "idle"))));
    }

    private Type? ResolveInterface(string name) => _interfaceTypes.GetOrAdd(name, static n =>
    {
        var type = Type.GetType(n, throwOnError: false);
        return type is { IsInterface: true } && typeof(IAddressable).IsAssignableFrom(type) ? type : null;
    });

    private static Message BadRequest(Message request, string reason)
    {
        var response = Message.ResponseTo(request, ResponseStatus.BadRequest);
        response.OutgoingBody = BodySerializer.WriteException(new GrainCallException(reason));
        return response;
    }
}
