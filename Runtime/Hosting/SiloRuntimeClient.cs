using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Messaging;

namespace U2PL.Runtime.Hosting;

/// <summary>The caller side inside a silo (grains and host code calling grains): routes through the silo's router.</summary>
internal sealed class SiloRuntimeClient(GrainInterfaceRegistry interfaces, RuntimeMetrics metrics, TimeSpan defaultTimeout)
    : RuntimeClientBase(interfaces, metrics, defaultTimeout)
{
    public MessageRouter? Router { get; set; }

    protected override Task<Message> SendRequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken) =>
        (Router ?? throw new InvalidOperationException("The silo is not started.")).RouteAsync(request, timeout, cancellationToken);
}
