using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using U2PL.Grains.Hosting;

namespace U2PL.Grains.DataPlane;

/// <summary>
/// Mutual TLS for the data plane with the silos' own files (<see cref="ClusterTls"/>): the server requires a client
/// certificate chained to the cluster's CA, the client accepts only a server chained to the same CA. Peers are addressed
/// by IP, so the CA, not a host name, authenticates them (as on the silo connections).
/// </summary>
public sealed class DataPlaneTls
{
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _authority;

    public DataPlaneTls(ClusterTls files)
    {
        (_certificate, _authority) = files.Load();
    }

    /// <summary>Server side: a client without a certificate, or with one the CA did not sign, fails the handshake.</summary>
    public SslServerAuthenticationOptions Server() => new()
    {
        ServerCertificate = _certificate,
        ClientCertificateRequired = true,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = Validate,
    };

    /// <summary>Client side: presents this process's certificate and checks the server's against the CA.</summary>
    public SslClientAuthenticationOptions Client() => new()
    {
        TargetHost = "u2pl-data-plane",
        ClientCertificates = [_certificate],
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = Validate,
    };

    /// <summary>The peer's certificate subject, for errors and logs.</summary>
    public static string Subject(SslStream stream) => stream.RemoteCertificate?.Subject ?? "no certificate";

    private bool Validate(object sender, X509Certificate? remote, X509Chain? chain, SslPolicyErrors errors) =>
        remote is not null && ClusterTls.ChainsTo(remote as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(remote.GetRawCertData()), _authority, errors);

    /// <summary>A handshake that failed, as the data plane reports it.</summary>
    internal static DataPlaneException Refused(string peer, Exception e) =>
        new(DataPlaneRefusal.Unauthenticated, $"data plane: TLS with {peer} refused: {(e is AuthenticationException ? "no valid certificate from the cluster's CA" : "handshake failed")} ({e.Message})", e);
}
