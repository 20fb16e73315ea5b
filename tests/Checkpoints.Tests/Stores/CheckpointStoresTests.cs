using U2PL.Checkpoints.Azure;
using U2PL.Checkpoints.Files;
using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Stores;

/// <summary>Opening stores by URI, and where the blob credentials come from.</summary>
public sealed class CheckpointStoresTests(AzuriteFixture azurite)
{
    [Fact]
    public void File_uris_and_plain_paths_open_directory_stores()
    {
        using var uri = Assert.IsType<FileCheckpointStore>(CheckpointStores.Open("file:///var/checkpoints/run1"));
        Assert.Equal("/var/checkpoints/run1", uri.Root);
        Assert.Equal("file:///var/checkpoints/run1", uri.Location);
        using var plain = Assert.IsType<FileCheckpointStore>(CheckpointStores.Open("runs/store"));
        Assert.Equal(Path.GetFullPath("runs/store"), plain.Root);
    }

    [Theory]
    [InlineData("s3://bucket/prefix", "unsupported checkpoint store scheme 's3'")]
    [InlineData("file://host/path", "no host")]
    [InlineData("azure://account/UPPER/prefix", "container name")]
    [InlineData("azure://account", "container name")]
    public void Bad_uris_are_refused_with_the_uri_in_the_message(string uri, string problem)
    {
        var error = Assert.ThrowsAny<Exception>(() => CheckpointStores.Open(uri, new CheckpointStoreOptions { BlobConnectionString = "UseDevelopmentStorage=true" }));
        Assert.Contains(uri, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public async Task An_azure_store_without_any_working_credentials_says_what_was_tried()
    {
        await WithEnvironmentAsync(null, null, async () =>
        {
            using var store = CheckpointStores.Open("azure://acct/checkpoints/run1", new CheckpointStoreOptions { MaxRetries = 0 });
            var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.GetAsync("latest"));
            Assert.Contains("azure://acct/checkpoints/run1", error.Message);
            Assert.Contains(CheckpointStoreOptions.ConnectionStringVariable, error.Message);
            Assert.Contains(CheckpointStoreOptions.ConnectionStringFileVariable, error.Message);
            Assert.Contains("workload identity", error.Message);
            Assert.Contains("managed identity", error.Message);
            TestContext.Current.SendDiagnosticMessage(error.Message);
        });
        var mismatch = Assert.Throws<CheckpointStoreException>(() => CheckpointStores.Open("azure://other/checkpoints",
            new CheckpointStoreOptions { BlobConnectionString = "UseDevelopmentStorage=true" }));
        Assert.Contains("not 'other'", mismatch.Message);
    }

    [Fact]
    public async Task The_connection_string_comes_from_the_environment_or_a_mounted_secret_file()
    {
        var secret = Path.GetTempFileName();
        try
        {
            File.WriteAllText(secret, azurite.ConnectionString + "\n");
            foreach (var (value, file) in new[] { (azurite.ConnectionString, (string?)null), (null, secret) })
            {
                await WithEnvironmentAsync(value, file, async () =>
                {
                    using var store = CheckpointStores.Open($"azure://{AzuriteFixture.Account}/{AzuriteFixture.NewContainer()}/p");
                    Assert.IsType<AzureBlobCheckpointStore>(store);
                    await store.UploadAsync("o", new MemoryStream([7]));
                    Assert.Equal(1, (await store.GetAsync("o"))!.Length);
                });
            }
        }
        finally
        {
            File.Delete(secret);
        }
    }

    // The assembly runs one test at a time, so a process-wide variable is safe to set here.
    internal static async Task WithEnvironmentAsync(string? value, string? file, Func<Task> body)
    {
        var saved = (Environment.GetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringVariable),
                     Environment.GetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringFileVariable));
        Environment.SetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringVariable, value);
        Environment.SetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringFileVariable, file);
        try
        {
            await body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringVariable, saved.Item1);
            Environment.SetEnvironmentVariable(CheckpointStoreOptions.ConnectionStringFileVariable, saved.Item2);
        }
    }
}
