using System.Globalization;
using System.Net;

namespace U2PL.Runtime.Membership;

/// <summary>
/// A silo incarnation: host, silo port and generation (its start time in ms). A silo that restarts on the same
/// endpoint has a new generation and is a new member; the old incarnation stays dead.
/// </summary>
/// <param name="Host">Host name or IP address other silos reach it on.</param>
/// <param name="Port">The silo-to-silo port.</param>
/// <param name="Generation">Start time of the process, unix milliseconds.</param>
public sealed record SiloAddress(string Host, int Port, long Generation)
{
    /// <summary>The endpoint as <c>host:port</c>.</summary>
    public string Endpoint => $"{Host}:{Port}";

    /// <inheritdoc />
    public override string ToString() => $"{Host}:{Port}@{Generation.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses the <see cref="ToString"/> form.</summary>
    public static SiloAddress Parse(string text)
    {
        var at = text.LastIndexOf('@');
        var colon = text.LastIndexOf(':', at);
        if (at < 0 || colon < 0) throw new FormatException($"Not a silo address: '{text}'.");
        return new SiloAddress(text[..colon], int.Parse(text[(colon + 1)..at], CultureInfo.InvariantCulture),
            long.Parse(text[(at + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>The IP endpoint to connect to.</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Host, out var ip)) return new IPEndPoint(ip, Port);
        var addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
        return new IPEndPoint(addresses.First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork), Port);
    }
}
