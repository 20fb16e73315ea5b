using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace U2PL.Grains.Hosting;

/// <summary>
/// Mutual TLS for silo-to-silo and client-to-gateway connections: this process's certificate and key, and the CA that
/// every peer's certificate must chain to (a cluster's own CA, e.g. from a Kubernetes secret). PEM files.
/// </summary>
public sealed record ClusterTls(string CertificatePath, string KeyPath, string CaPath)
{
    public const string CertificateVariable = "U2PL_TLS_CERT";
    public const string KeyVariable = "U2PL_TLS_KEY";
    public const string CaVariable = "U2PL_TLS_CA";

    /// <summary>The three files from flags or their environment variables: null when none is given; an error naming what is missing.</summary>
    public static ClusterTls? From(string? certificate, string? key, string? ca, Func<string, string?> environment)
    {
        certificate ??= environment(CertificateVariable);
        key ??= environment(KeyVariable);
        ca ??= environment(CaVariable);
        if (certificate is null && key is null && ca is null) return null;
        var missing = new[] { ("--tls-cert", certificate), ("--tls-key", key), ("--tls-ca", ca) }.Where(f => string.IsNullOrEmpty(f.Item2)).Select(f => f.Item1).ToList();
        if (missing.Count > 0) throw new ArgumentException($"TLS needs a certificate, its key and the cluster's CA: {string.Join(", ", missing)} missing");
        return new ClusterTls(certificate!, key!, ca!);
    }

    /// <summary>Loads the files; an error names the file that cannot be read.</summary>
    public (X509Certificate2 Certificate, X509Certificate2Collection Authority) Load()
    {
        foreach (var path in new[] { CertificatePath, KeyPath, CaPath })
        {
            if (!File.Exists(path)) throw new ArgumentException($"TLS file not found: {path}");
        }
        X509Certificate2 certificate;
        var authority = new X509Certificate2Collection();
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
            // SslStream on Linux needs the key in a PKCS#12-backed certificate, not an ephemeral PEM one.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            authority.ImportFromPemFile(CaPath);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"TLS files {CertificatePath} / {KeyPath} / {CaPath} cannot be loaded: {e.Message}");
        }
        if (authority.Count == 0) throw new ArgumentException($"TLS CA file {CaPath} holds no certificate");
        return (certificate, authority);
    }

    /// <summary>Requires a certificate from every peer, in both directions, chained to the cluster's CA.</summary>
    public void Configure(TlsOptions options)
    {
        var (certificate, authority) = Load();
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.CheckCertificateRevocation = false;
        options.RemoteCertificateValidation = (remote, _, errors) => remote is not null && ChainsTo(remote, authority, errors);
    }

    internal static bool ChainsTo(X509Certificate2 remote, X509Certificate2Collection authority, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Peers are addressed by IP and incarnation, not by a host name: the CA is what authenticates them.
        return chain.Build(remote);
    }
}
