using System.Collections.Concurrent;
using U2PL.Runtime.Membership;

namespace U2PL.Runtime.Networking;

/// <summary>Outbound connections of a silo to other silos: one per silo incarnation, opened on demand, reopened after loss.</summary>
internal sealed class ConnectionManager(ConnectionFactory factory, SiloAddress self, IConnectionMessageHandler handler) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SiloAddress, Lazy<Task<Connection>>> _connections = new();

    public async Task<Connection> GetAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = _connections.GetOrAdd(silo, s => new Lazy<Task<Connection>>(() => OpenAsync(s)));
            Connection connection;
            try
            {
                connection = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _connections.TryRemove(new KeyValuePair<SiloAddress, Lazy<Task<Connection>>>(silo, lazy));
                throw;
            }
            if (!connection.IsClosed) return connection;
            _connections.TryRemove(new KeyValuePair<SiloAddress, Lazy<Task<Connection>>>(silo, lazy));
        }
    }

    /// <summary>Sends a ping; true when answered in time.</summary>
    public async Task<bool> ProbeAsync(SiloAddress silo, TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            var connection = await GetAsync(silo, cts.Token).ConfigureAwait(false);
            var ping = new Messaging.Message { Direction = Messaging.MessageDirection.Ping };
            await connection.SendRequestAsync(ping, timeout, cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private async Task<Connection> OpenAsync(SiloAddress silo)
    {
        var endpoint = await silo.ResolveAsync(CancellationToken.None).ConfigureAwait(false);
        return await factory.ConnectAsync(endpoint, PeerKind.Silo, self.ToString(), silo.ToString(), handler, CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) await lazy.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
        _connections.Clear();
    }
}
