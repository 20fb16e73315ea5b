using System.Diagnostics;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Messaging;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Invocation;

/// <summary>
/// The caller side shared by silos and clients: turns a proxy call into a request message (arguments serialized once,
/// large arrays referenced), sends it through the concrete transport and turns the response into a result or exception.
/// Also the <see cref="IGrainFactory"/> of that side.
/// </summary>
public abstract class RuntimeClientBase : IGrainCallInvoker, IGrainFactory
{
    private readonly TimeSpan _defaultTimeout;

    /// <summary>Creates the shared parts.</summary>
    protected RuntimeClientBase(GrainInterfaceRegistry interfaces, RuntimeMetrics metrics, TimeSpan defaultTimeout)
    {
        Interfaces = interfaces;
        Metrics = metrics;
        _defaultTimeout = defaultTimeout;
        References = new GrainReferenceFactory(interfaces, this);
        Codecs = new CodecProvider(References);
        Bodies = new BodySerializer(Codecs);
    }

    /// <summary>Interface descriptors.</summary>
    public GrainInterfaceRegistry Interfaces { get; }

    /// <summary>Reference factory bound to this runtime.</summary>
    public GrainReferenceFactory References { get; }

    /// <summary>Codecs bound to this runtime.</summary>
    public CodecProvider Codecs { get; }

    /// <summary>Body serializer.</summary>
    public BodySerializer Bodies { get; }

    /// <summary>Instruments.</summary>
    protected RuntimeMetrics Metrics { get; }

    /// <summary>Sends a request and returns its final response.</summary>
    protected abstract Task<Message> SendRequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task<object?> InvokeAsync(GrainId target, GrainInterfaceDescriptor grainInterface, GrainMethodDescriptor method, object?[] args)
    {
        var token = method.CancellationTokenIndex >= 0 ? (CancellationToken)args[method.CancellationTokenIndex]! : CancellationToken.None;
        var request = new Message
        {
            Direction = MessageDirection.Request,
            Target = target,
            InterfaceName = CodecProvider.TypeName(grainInterface.InterfaceType),
            MethodId = method.MethodId,
            IsReadOnly = method.IsReadOnly,
            IsAlwaysInterleave = method.IsAlwaysInterleave || grainInterface.IsReentrant,
            OutgoingBody = Bodies.WriteArguments(method, args),
        };
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            var response = await SendRequestAsync(request, method.Timeout ?? _defaultTimeout, token).ConfigureAwait(false);
            var result = DecodeResponse(method, MessageBodies.AsIncoming(response), token);
            failed = false;
            return result;
        }
        finally
        {
            Metrics.CallCompleted(Stopwatch.GetElapsedTime(started).TotalMilliseconds, failed);
        }
    }

    /// <summary>Result of a response, or the exception it carries.</summary>
    protected object? DecodeResponse(GrainMethodDescriptor method, Message response, CancellationToken token) => response.Status switch
    {
        ResponseStatus.Ok => Bodies.ReadResult(method, response.IncomingBody),
        ResponseStatus.Exception => throw BodySerializer.ReadException(response.IncomingBody),
        ResponseStatus.BadRequest => throw new GrainCallException($"Bad request: {BodySerializer.ReadException(response.IncomingBody).Message}"),
        ResponseStatus.Cancelled => throw new OperationCanceledException(token),
        ResponseStatus.DeadlineExceeded => throw new TimeoutException($"Call {method} exceeded its deadline."),
        _ => throw new SiloUnavailableException($"Call {method} failed: {response.Status}."),
    };

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey => References.Create<TGrain>(key);

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(long key) where TGrain : IGrainWithIntegerKey => References.Create<TGrain>(key);

    /// <inheritdoc />
    public virtual TObserver CreateObjectReference<TObserver>(TObserver observer) where TObserver : IGrainObserver =>
        throw new NotSupportedException("Observer objects are created on cluster clients; a grain observes as itself: AsReference<TObserver>().");

    /// <inheritdoc />
    public virtual void DeleteObjectReference<TObserver>(TObserver reference) where TObserver : IGrainObserver =>
        throw new NotSupportedException("Observer objects are created on cluster clients; a grain observes as itself: AsReference<TObserver>().");
}
