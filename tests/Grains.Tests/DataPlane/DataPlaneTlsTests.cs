using System.Net.Security;
using System.Net.Sockets;
using U2PL.Grains.DataPlane;
using U2PL.Grains.Hosting;
using U2PL.Tests.Cluster;

namespace U2PL.Grains.Tests.DataPlane;

/// <summary>The data plane admits only peers holding a certificate from the cluster's CA, in both directions.</summary>
public sealed class DataPlaneTlsTests
{
    private static readonly DataPlaneOptions Options = DataPlaneTransferTests.Options;

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_client_without_a_certificate_is_refused_and_nothing_reaches_the_consumer()
    {
        using var certificates = new TestCertificates();
        var sink = new RecordingSink();
        var log = new ListLogger();
        await using var server = DataPlaneTransferTests.Server(sink, DataPlaneTransferTests.Tls(certificates, "shard-0"), logger: log);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        await using var ssl = new SslStream(new NetworkStream(socket), false);

        var answered = false;
        try
        {
            // No client certificate; the server's is accepted blindly, so only the server's check can stop this.
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "x", RemoteCertificateValidationCallback = (_, _, _, _) => true });
            var header = new byte[Frame.HeaderBytes];
            new Frame(FrameKind.Push, Guid.NewGuid(), 0, 1, 16).Write(header);
            await ssl.WriteAsync(header);
            answered = await ssl.ReadAsync(new byte[Frame.HeaderBytes]) > 0;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
        }

        Assert.False(answered, "the server answered a client that has no certificate");
        await Eventually(() => log.Messages.Any(m => m.Contains("TLS with") && m.Contains("refused")));
        Assert.Equal(0, sink.Opened);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_client_whose_certificate_another_CA_signed_is_refused()
    {
        using var certificates = new TestCertificates();
        using var rogue = new TestCertificates("rogue CA");
        var sink = new RecordingSink();
        var log = new ListLogger();
        await using var server = DataPlaneTransferTests.Server(sink, DataPlaneTransferTests.Tls(certificates, "shard-0"), logger: log);
        var (certificate, key, _) = rogue.Issue("intruder");
        // It trusts the cluster's CA (so it accepts the server); its own certificate is the rogue CA's.
        await using var client = new DataPlaneClient(server.EndPoint, Options, new DataPlaneTls(new ClusterTls(certificate, key, certificates.CaPath)));

        await Assert.ThrowsAsync<DataPlaneException>(() => client.PushAsync(Guid.NewGuid(), 0, 1, new float[1024]));

        await Eventually(() => log.Messages.Any(m => m.Contains("TLS with") && m.Contains("refused")));
        Assert.Equal(0, sink.Opened);
        Assert.Empty(sink.Completed);
    }

    [Fact(Timeout = DataPlaneTransferTests.Deadline)]
    public async Task A_server_whose_certificate_another_CA_signed_is_refused_by_the_client()
    {
        using var certificates = new TestCertificates();
        using var rogue = new TestCertificates("rogue CA");
        var (certificate, key, _) = rogue.Issue("impostor");
        var sink = new RecordingSink();
        await using var server = DataPlaneTransferTests.Server(sink, new DataPlaneTls(new ClusterTls(certificate, key, certificates.CaPath)));
        await using var client = new DataPlaneClient(server.EndPoint, Options, DataPlaneTransferTests.Tls(certificates, "worker-1"));

        var refused = await Assert.ThrowsAsync<DataPlaneException>(() => client.PushAsync(Guid.NewGuid(), 0, 1, new float[1024]));

        Assert.Equal(DataPlaneRefusal.Unauthenticated, refused.Reason);
        Assert.Contains($"TLS with {server.EndPoint} refused", refused.Message);
        Assert.Equal(0, sink.Opened);
    }

    internal static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 150 && !condition(); i++) await Task.Delay(100);
        Assert.True(condition(), "the condition did not hold within 15 s");
    }
}
