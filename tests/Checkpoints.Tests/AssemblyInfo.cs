using U2PL.Checkpoints.Tests.Infrastructure;

// One Azurite for the whole assembly; tests one at a time so that the memory bounds measure one transfer only.
[assembly: AssemblyFixture(typeof(AzuriteFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
