using System.Data.Common;
using Microsoft.Extensions.Options;
using U2PL.Runtime;
using U2PL.Runtime.Client;
using U2PL.Runtime.Configuration;
using U2PL.Runtime.Membership;
using U2PL.Runtime.Messaging;

namespace U2PL.Client.Cluster;

/// <summary>
/// A connected <see cref="ClusterClient"/> for one command. Connecting is bounded by <see cref="ConnectDeadline"/> so that
/// an unreachable cluster fails with one clear message instead of the client's long failover retries.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long a command waits for a first gateway connection.</summary>
    public static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(6);

    private readonly PostgresClusterStore? _store;

    private ClusterConnection(ClusterClient client, PostgresClusterStore? store, ClusterEndpoint endpoint)
    {
        Client = client;
        _store = store;
        Endpoint = endpoint;
    }

    public ClusterClient Client { get; }

    public IGrainFactory Grains => Client;

    public ClusterEndpoint Endpoint { get; }

    /// <summary>The client's transport settings: few connect retries (a command, not a long-lived service) and short connects.</summary>
    public static MessagingOptions Messaging() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(3),
        MaxRetries = 4,
    };

    /// <summary>Connects to one gateway; throws <see cref="ClusterUnreachableException"/> naming the addresses when none answers.</summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterEndpoint endpoint, CancellationToken cancellationToken)
    {
        var store = endpoint.Store is null ? null : new PostgresClusterStore(endpoint.Store, endpoint.ClusterId);
        ClusterClient client;
        try
        {
            client = new ClusterClient(new ClientOptions { Gateways = [.. endpoint.Gateways] },
                new ClusterOptions { ClusterId = endpoint.ClusterId, ClusterKey = endpoint.ClusterKey }, Messaging(), store);
        }
        catch (OptionsValidationException e)
        {
            if (store is not null) await store.DisposeAsync();
            throw new ArgumentException(string.Join("; ", e.Failures));
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectDeadline);
        string? failure = null;
        try
        {
            await client.ConnectAsync(deadline.Token);
            return new ClusterConnection(client, store, endpoint);
        }
        catch (SiloUnavailableException e)
        {
            failure = Reason(e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"no gateway answered within {ConnectDeadline.TotalSeconds:0} s";
        }
        catch (DbException e)
        {
            failure = $"cannot read the membership store: {e.Message}";
        }
        finally
        {
            if (failure is not null)
            {
                await client.DisposeAsync();
                if (store is not null) await store.DisposeAsync();
            }
        }
        var hint = failure!.Contains("cluster key", StringComparison.Ordinal) ? "" : $" (give the gateways with --cluster or ${ClusterConnectionOptions.AddressVariable})";
        throw new ClusterUnreachableException($"cannot reach the cluster at {endpoint.Describe()}: {failure}{hint}");
    }

    /// <summary>The most specific reason in the chain ("Cannot connect to 127.0.0.1:30000: Connection refused").</summary>
    private static string Reason(Exception e)
    {
        var reason = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SiloUnavailableException) reason = inner.Message;
        }
        if (reason.Contains("key", StringComparison.OrdinalIgnoreCase) || reason.Contains("rejected by the peer", StringComparison.Ordinal))
        {
            reason = reason.TrimEnd('.') + $"; check the cluster key (${ClusterConnectionOptions.KeyVariable} or --cluster-key-file)";
        }
        return reason.TrimEnd('.');
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (_store is not null) await _store.DisposeAsync();
    }
}
