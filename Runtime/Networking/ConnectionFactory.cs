using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Diagnostics;
using U2PL.Runtime.Messaging;

namespace U2PL.Runtime.Networking;

/// <summary>Opens outbound connections (silo → silo, client → gateway) and authenticates them.</summary>
internal sealed class ConnectionFactory(MessagingOptions options, byte[] clusterKey, RuntimeMetrics metrics, ILogger logger)
{
    /// <summary>
    /// Connects and authenticates as <paramref name="kind"/>/<paramref name="id"/>. When <paramref name="expectedServerId"/> is
    /// set and the endpoint now hosts another silo incarnation, fails with <see cref="SiloUnavailableException"/>.
    /// </summary>
    public async Task<Connection> ConnectAsync(EndPoint endpoint, PeerKind kind, string id, string? expectedServerId,
        IConnectionMessageHandler handler, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            var pipe = new StreamDuplexPipe(
                PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024)),
                PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024)));
            timeout.CancelAfter(options.HandshakeTimeout);
            var serverId = await ConnectionHandshake.ConnectAsync(pipe, clusterKey, kind, id, timeout.Token).ConfigureAwait(false);
            if (expectedServerId is not null && serverId != expectedServerId)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw new SiloUnavailableException($"{endpoint} now hosts {serverId}, not {expectedServerId}.");
            }
            var connection = new Connection(pipe, endpoint.ToString() ?? "?", PeerKind.Silo, serverId, options, metrics, logger, () =>
            {
                pipe.Input.CancelPendingRead();
                stream.Dispose();
            }, directOutput: stream);
            _ = Task.Run(() => connection.RunAsync(handler), CancellationToken.None);
            return connection;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ProtocolViolationException)
        {
            socket.Dispose();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            throw new SiloUnavailableException($"Cannot connect to {endpoint}: {e.Message}", e);
        }
    }

    private sealed class StreamDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
