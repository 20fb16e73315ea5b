namespace U2PL.Tests.Cluster;

/// <summary>The server as an xunit fixture: started before the collection's first test, stopped after its last.</summary>
public sealed partial class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; } = new();

    public ValueTask InitializeAsync() => Server.InitializeAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>One Redis for every test of the collection (each cluster takes its own cluster id).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
