namespace U2PL.Runtime.Tests.Fixtures;

/// <summary>The server as an xunit fixture: started before the collection's first test, removed after its last.</summary>
public sealed partial class PostgresServer : IAsyncLifetime;

/// <summary>One PostgreSQL for every test of the collection.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
