using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;

namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>
/// A second Azurite that accepts bearer tokens (<c>--oauth basic</c>: issuer, audience and lifetime checked, the
/// signature not), which needs HTTPS: served with a self-signed certificate for 127.0.0.1 that only
/// <see cref="Transport"/> trusts.
/// </summary>
public sealed class AzuriteOAuthFixture : IAsyncLifetime
{
    private readonly string _certificates = Directory.CreateTempSubdirectory("u2pl-azurite-tls-").FullName;
    private AzuriteProcess? _azurite;
    private string _thumbprint = "";

    /// <summary>Why the emulator could not be started with OAuth, or null when it runs.</summary>
    public string? SkipReason { get; private set; }

    public Uri BlobServiceUri => new($"https://127.0.0.1:{_azurite!.Port}/{AzuriteFixture.Account}");

    /// <summary>An HTTP transport that trusts this emulator's certificate and no other self-signed one.</summary>
    public HttpPipelineTransport Transport => new HttpClientTransport(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None || certificate?.GetCertHashString() == _thumbprint },
    });

    public async ValueTask InitializeAsync()
    {
        var (certificate, key) = WriteSelfSignedCertificate();
        try
        {
            _azurite = await AzuriteProcess.StartAsync("--oauth", "basic", "--cert", certificate, "--key", key);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            SkipReason = $"Azurite {AzuriteProcess.Version} did not start with --oauth basic over HTTPS: {e.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
        Directory.Delete(_certificates, recursive: true);
    }

    private (string Certificate, string Key) WriteSelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _thumbprint = certificate.GetCertHashString();
        var certificateFile = Path.Combine(_certificates, "cert.pem");
        var keyFile = Path.Combine(_certificates, "key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }
}
