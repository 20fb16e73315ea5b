using StackExchange.Redis;

namespace U2PL.Grains.Hosting;

/// <summary>The Redis server that holds a cluster's membership, grain directory and grain state.</summary>
public static class RedisEndpoint
{
    public static bool IsRedis(string cluster) => cluster.StartsWith("redis://", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>redis://[:password@]host:port[/db]</c> as StackExchange.Redis options; an error names what is wrong.</summary>
    public static ConfigurationOptions Parse(string cluster)
    {
        if (!Uri.TryCreate(cluster, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0)
        {
            throw new ArgumentException($"'{cluster}' is not a redis://host:port address");
        }
        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 5000 };
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
        if (uri.UserInfo.Length > 0)
        {
            var parts = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            if (parts.Length == 2 && parts[0].Length > 0) options.User = parts[0];
            options.Password = parts.Length == 2 ? parts[1] : parts[0];
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db && int.TryParse(db, out var database)) options.DefaultDatabase = database;
        return options;
    }
}
