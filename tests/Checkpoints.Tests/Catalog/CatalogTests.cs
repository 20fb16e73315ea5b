using U2PL.Checkpoints.Files;
using U2PL.Checkpoints.Tests.Infrastructure;

namespace U2PL.Checkpoints.Tests.Catalog;

public sealed class FileCatalogTests : CatalogContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("u2pl-catalog-store-").FullName;
    private readonly FileCheckpointStore _store;

    public FileCatalogTests() => _store = new FileCheckpointStore(_root, BlockSize);

    protected override ICheckpointStore Store => _store;

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_file_store_directory_is_itself_a_checkpoint_directory()
    {
        await new U2PL.Checkpoints.Catalog.CheckpointCatalog(_store).PublishAsync("c001",
            [new(".safetensors", () => new MemoryStream([1, 2, 3])), new(".json", () => new MemoryStream("{}"u8.ToArray()))], WriteCondition.Absent);
        Assert.Equal("c001\n", File.ReadAllText(Path.Combine(_root, "latest")));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(_root, "c001.safetensors")));
    }
}

public sealed class AzureCatalogTests(AzuriteFixture azurite) : CatalogContract
{
    private readonly ICheckpointStore _store = azurite.Open(AzuriteFixture.NewContainer(), "runs/r1", new CheckpointStoreOptions { BlockSize = BlockSize });

    protected override ICheckpointStore Store => _store;
}
