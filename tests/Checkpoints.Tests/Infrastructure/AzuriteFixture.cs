using System.Net;
using System.Net.Sockets;

namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>The assembly's Azurite (plain HTTP, Shared Key and SAS), shared by every blob test.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account and key.</summary>
    public const string Account = "devstoreaccount1";

    public const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private AzuriteProcess? _azurite;

    public int Port => _azurite!.Port;

    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{Account}");

    public string ConnectionString => ConnectionStringFor(BlobEndpoint);

    public static string ConnectionStringFor(Uri endpoint) =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint={endpoint.AbsoluteUri.TrimEnd('/')};";

    /// <summary>A fresh container name, so that tests never see each other's blobs.</summary>
    public static string NewContainer() => "t" + Guid.NewGuid().ToString("N")[..20];

    public ICheckpointStore Open(string container, string prefix = "", CheckpointStoreOptions? options = null) =>
        CheckpointStores.Open($"azure://{Account}/{container}/{prefix}",
            (options ?? new CheckpointStoreOptions()) with { BlobConnectionString = (options?.BlobConnectionString) ?? ConnectionString });

    public async ValueTask InitializeAsync() => _azurite = await AzuriteProcess.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "U2PL.Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("repository root (U2PL.Orleans.sln) not found above " + AppContext.BaseDirectory);
    }
}
