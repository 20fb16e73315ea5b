using Azure.Identity;
using U2PL.Checkpoints.Azure;
using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Stores;

/// <summary>Which credentials an <c>azure://</c> store picks, and a real token-authenticated store on Azurite.</summary>
public sealed class TokenCredentialTests(AzuriteOAuthFixture oauth) : IClassFixture<AzuriteOAuthFixture>
{
    private const string Connection = "UseDevelopmentStorage=true";

    [Fact]
    public async Task A_connection_string_wins_and_a_token_credential_is_used_only_without_one()
    {
        var fake = new FakeTokenCredential();
        var secret = Path.GetTempFileName();
        try
        {
            await CheckpointStoresTests.WithEnvironmentAsync(Connection + ";from=variable", secret, () =>
            {
                Assert.Equal(Connection, BlobCredentials.Choose(new CheckpointStoreOptions { BlobConnectionString = Connection, BlobTokenCredential = fake }).ConnectionString);
                Assert.Equal(Connection + ";from=variable", BlobCredentials.Choose(new CheckpointStoreOptions { BlobTokenCredential = fake }).ConnectionString);
                return Task.CompletedTask;
            });

            File.WriteAllText(secret, Connection + ";from=file\n");
            await CheckpointStoresTests.WithEnvironmentAsync(null, secret, () =>
            {
                Assert.Equal(Connection + ";from=file", BlobCredentials.Choose(new CheckpointStoreOptions { BlobTokenCredential = fake }).ConnectionString);
                return Task.CompletedTask;
            });

            File.WriteAllText(secret, "\n");
            await CheckpointStoresTests.WithEnvironmentAsync(null, secret, () =>
            {
                var chosen = BlobCredentials.Choose(new CheckpointStoreOptions { BlobTokenCredential = fake });
                Assert.Null(chosen.ConnectionString);
                Assert.Same(fake, chosen.Token);
                Assert.Contains("is empty", chosen.Tried);

                var standard = BlobCredentials.Choose(new CheckpointStoreOptions());
                Assert.IsType<DefaultAzureCredential>(standard.Token);
                Assert.Contains("workload identity", standard.Tried);
                return Task.CompletedTask;
            });
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public async Task A_store_without_a_connection_string_authenticates_with_a_token_for_storage()
    {
        SkipUnlessRunning();
        var fake = new FakeTokenCredential();
        await CheckpointStoresTests.WithEnvironmentAsync(null, null, async () =>
        {
            using var store = Open(fake);
            var content = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
            var written = await store.UploadAsync("model.safetensors", new MemoryStream(content), WriteCondition.Absent);
            using var copy = new MemoryStream();
            var read = await store.DownloadAsync("model.safetensors", copy);

            Assert.Equal(content, copy.ToArray());
            Assert.Equal(written.ETag, read.ETag);
            Assert.Contains("https://storage.azure.com/.default", fake.Scopes);
        });
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused_clearly()
    {
        SkipUnlessRunning();
        await CheckpointStoresTests.WithEnvironmentAsync(null, null, async () =>
        {
            using var store = Open(new FakeTokenCredential(audience: "https://vault.azure.net"));
            var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.UploadAsync("x.bin", new MemoryStream([1])));
            Assert.Contains("403 AuthenticationFailed", error.Message);
            Assert.Contains("FakeTokenCredential", error.Message);
            Assert.Contains("role", error.Message);
        });
    }

    private ICheckpointStore Open(FakeTokenCredential credential) =>
        CheckpointStores.Open($"azure://{AzuriteFixture.Account}/{AzuriteFixture.NewContainer()}/token", new CheckpointStoreOptions
        {
            BlobTokenCredential = credential,
            BlobServiceUri = oauth.BlobServiceUri,
            BlobTransport = oauth.Transport,
            BlockSize = 32 << 10,
        });

    private void SkipUnlessRunning()
    {
        if (oauth.SkipReason is { } reason)
        {
            TestContext.Current.SendDiagnosticMessage(reason);
            Assert.Skip(reason);
        }
    }
}
