using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;

namespace U2PL.Runtime.Networking;

/// <summary>
/// Mutual challenge–response authentication with the cluster's shared key, before any message is accepted:
/// the server sends a nonce; the client answers with its nonce, identity and HMAC-SHA256(key, both nonces, identity);
/// the server checks it and answers with HMAC-SHA256(key, both nonces), proving it knows the key too. The key never
/// travels; a replayed answer fails because nonces are fresh per connection.
/// </summary>
internal static class ConnectionHandshake
{
    private const int NonceSize = 32;
    private const int MacSize = 32;
    private const int MaxHandshakeFrame = 4096;

    /// <summary>Server side: returns the authenticated peer or throws <see cref="ProtocolViolationException"/>.</summary>
    public static async Task<(PeerKind Kind, string Id)> AcceptAsync(IDuplexPipe pipe, byte[] key, string serverId, CancellationToken ct)
    {
        var serverNonce = RandomNumberGenerator.GetBytes(NonceSize);
        await WriteFrameAsync(pipe.Output, FrameType.Hello, [.. serverNonce, .. Encoding.UTF8.GetBytes(serverId)], ct).ConfigureAwait(false);
        var (type, auth) = await ReadFrameAsync(pipe.Input, ct).ConfigureAwait(false);
        if (type != FrameType.Auth || auth.Length < NonceSize + MacSize + 1)
            throw new ProtocolViolationException(RejectReason.Unauthenticated, $"expected an auth frame, got {type} of {auth.Length} bytes");
        var clientNonce = auth[..NonceSize];
        var mac = auth[NonceSize..(NonceSize + MacSize)];
        var kind = (PeerKind)auth[NonceSize + MacSize];
        var idBytes = auth[(NonceSize + MacSize + 1)..];
        if (kind is not (PeerKind.Silo or PeerKind.Client))
            throw new ProtocolViolationException(RejectReason.Malformed, $"peer kind {(int)kind}");
        var expected = ClientMac(key, serverNonce, clientNonce, (byte)kind, idBytes);
        if (!CryptographicOperations.FixedTimeEquals(mac, expected))
        {
            await TryWriteRejectAsync(pipe.Output).ConfigureAwait(false);
            throw new ProtocolViolationException(RejectReason.Unauthenticated, "wrong cluster key");
        }
        await WriteFrameAsync(pipe.Output, FrameType.Accept, ServerMac(key, clientNonce, serverNonce), ct).ConfigureAwait(false);
        string id;
        try
        {
            id = new UTF8Encoding(false, true).GetString(idBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolViolationException(RejectReason.Malformed, "peer id is not UTF-8");
        }
        return (kind, id);
    }

    /// <summary>Client side: authenticates as <paramref name="kind"/>/<paramref name="id"/>; returns the server's id.</summary>
    public static async Task<string> ConnectAsync(IDuplexPipe pipe, byte[] key, PeerKind kind, string id, CancellationToken ct)
    {
        var (type, hello) = await ReadFrameAsync(pipe.Input, ct).ConfigureAwait(false);
        if (type != FrameType.Hello || hello.Length < NonceSize)
            throw new ProtocolViolationException(RejectReason.Malformed, $"expected hello, got {type}");
        var serverNonce = hello[..NonceSize];
        var clientNonce = RandomNumberGenerator.GetBytes(NonceSize);
        var idBytes = Encoding.UTF8.GetBytes(id);
        var mac = ClientMac(key, serverNonce, clientNonce, (byte)kind, idBytes);
        await WriteFrameAsync(pipe.Output, FrameType.Auth, [.. clientNonce, .. mac, (byte)kind, .. idBytes], ct).ConfigureAwait(false);
        var (answerType, answer) = await ReadFrameAsync(pipe.Input, ct).ConfigureAwait(false);
        if (answerType != FrameType.Accept || !CryptographicOperations.FixedTimeEquals(answer, ServerMac(key, clientNonce, serverNonce)))
            throw new ProtocolViolationException(RejectReason.Unauthenticated, "server refused the key or does not hold it");
        return Encoding.UTF8.GetString(hello.AsSpan(NonceSize));
    }

    private static byte[] ClientMac(byte[] key, byte[] serverNonce, byte[] clientNonce, byte kind, byte[] id)
    {
        byte[] data = [.. "u2pl/auth/client"u8, .. serverNonce, .. clientNonce, kind, .. id];
        return HMACSHA256.HashData(key, data);
    }

    private static byte[] ServerMac(byte[] key, byte[] clientNonce, byte[] serverNonce)
    {
        byte[] data = [.. "u2pl/auth/server"u8, .. clientNonce, .. serverNonce];
        return HMACSHA256.HashData(key, data);
    }

    private static async Task WriteFrameAsync(PipeWriter output, FrameType type, byte[] payload, CancellationToken ct)
    {
        var span = output.GetSpan(FrameHeader.Size + payload.Length);
        new FrameHeader(type, FrameFlags.None, payload.Length).Write(span);
        payload.CopyTo(span[FrameHeader.Size..]);
        output.Advance(FrameHeader.Size + payload.Length);
        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task TryWriteRejectAsync(PipeWriter output)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await WriteFrameAsync(output, FrameType.Reject, [], cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // best effort: the peer may be gone already
        }
    }

    private static async Task<(FrameType Type, byte[] Payload)> ReadFrameAsync(PipeReader input, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (FrameHeader.TryRead(ref buffer, MaxHandshakeFrame, out var header, out var payload))
            {
                var bytes = payload.ToArray();
                input.AdvanceTo(buffer.Start);
                if (header.Type == FrameType.Reject) throw new ProtocolViolationException(RejectReason.Unauthenticated, "rejected by the peer");
                return (header.Type, bytes);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) throw new ProtocolViolationException(RejectReason.Malformed, "connection closed during the handshake");
        }
    }
}
