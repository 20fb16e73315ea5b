using Orleans.Configuration;
using Microsoft.Extensions.Options;
using U2PL.Contracts;

namespace U2PL.Grains.Hosting;

/// <summary>
/// Refuses, before sending, a call whose tensors exceed the message size limit, with an error naming the limit. Orleans
/// itself fails such a message on the sender's connection and the caller sees a misleading SiloUnavailableException
/// (DESIGN §8); tensors are the only large arguments, so their byte counts are what is checked.
/// <typeparamref name="TMessaging"/> is where the limit is read: <see cref="SiloMessagingOptions"/> on a silo,
/// <see cref="ClientMessagingOptions"/> on a client.
/// </summary>
public sealed class PayloadLimitFilter<TMessaging>(IOptions<TMessaging> messaging) : IOutgoingGrainCallFilter
    where TMessaging : MessagingOptions
{
    private readonly long _limit = messaging.Value.MaxMessageBodySize;

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        long bytes = 0;
        for (var i = 0; i < context.Request.GetArgumentCount(); i++)
        {
            bytes += TensorBytes(context.Request.GetArgument(i));
        }
        if (bytes > _limit)
        {
            throw new PayloadTooLargeException(
                $"{context.InterfaceName}.{context.MethodName} carries {Mebibytes(bytes)} of tensors, over the message size limit of {Mebibytes(_limit)} " +
                "(MaxMessageBodySize): use more parameter-server shards (cluster.shards) or raise the limit on silos and clients");
        }
        return context.Invoke();
    }

    private static long TensorBytes(object? argument) => argument switch
    {
        PackedTensors packed => packed.Bytes.LongLength,
        RawFloats floats => floats.Bytes.LongLength,
        FeatureBlock block => block.Data.Bytes.LongLength,
        GradientPush push => push.Gradient.Bytes.LongLength + push.BufferDelta.Bytes.LongLength,
        _ => 0,
    };

    private static string Mebibytes(long bytes) => $"{bytes / (1024.0 * 1024.0):F1} MiB";
}
