using System.Diagnostics;
using System.Text.RegularExpressions;

namespace U2PL.Netns.Tests.Fixtures;

/// <summary>
/// "Pods" as Linux network namespaces: each has an <c>eth0</c> (one end of a veth pair) with its own address in one
/// /24, the host ends are ports of a bridge that holds the host's address in it, so pods reach each other and the host
/// (Redis, the test's client) without IP forwarding. Names carry this process's id, so that a later run removes
/// what a crashed one left behind without touching a concurrent one.
/// </summary>
public sealed partial class PodNetwork : IAsyncDisposable
{
    private const string Prefix = "u2n";
    private readonly string _bridge;
    private readonly List<Pod> _pods = [];

    private PodNetwork(string subnet)
    {
        Subnet = subnet;
        _bridge = $"{Prefix}{Environment.ProcessId}b";
    }

    /// <summary>The pods' /24 as <c>10.77.X</c>.</summary>
    public string Subnet { get; }

    /// <summary>The host's address on the bridge.</summary>
    public string HostAddress => $"{Subnet}.1";

    public string Cidr => $"{Subnet}.0/24";

    public IReadOnlyList<Pod> Pods => _pods;

    /// <summary>Why namespaces cannot be used here, or null when they can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces need Linux";
        if (Environment.UserName != "root") return $"network namespaces need root (running as {Environment.UserName})";
        var probe = $"{Prefix}-{Environment.ProcessId}-probe";
        var (code, output) = Ip($"netns add {probe}");
        if (code != 0) return $"'ip netns add' does not work here: {output.Trim()}";
        var (execCode, execOutput) = Ip($"netns exec {probe} ip link set lo up");
        Ip($"netns del {probe}");
        return execCode == 0 ? null : $"'ip netns exec' does not work here: {execOutput.Trim()}";
    }

    /// <summary>Removes the namespaces and links of earlier test processes that are gone, then creates <paramref name="count"/> pods.</summary>
    public static PodNetwork Create(int count)
    {
        RemoveLeftovers();
        var network = new PodNetwork(FreeSubnet());
        try
        {
            network.Must($"link add {network._bridge} type bridge");
            network.Must($"addr add {network.HostAddress}/24 dev {network._bridge}");
            network.Must($"link set {network._bridge} up");
            for (var i = 1; i <= count; i++)
            {
                var pod = new Pod($"{Prefix}-{Environment.ProcessId}-pod{i}", $"{Prefix}{Environment.ProcessId}h{i}", $"{network.Subnet}.{10 + i}");
                var peer = $"{Prefix}{Environment.ProcessId}p{i}";
                network.Must($"netns add {pod.Namespace}");
                network._pods.Add(pod);
                network.Must($"link add {pod.HostVeth} type veth peer name {peer} netns {pod.Namespace}");
                network.Must($"link set {pod.HostVeth} master {network._bridge}");
                network.Must($"link set {pod.HostVeth} up");
                network.Must($"-n {pod.Namespace} link set {peer} name eth0");
                network.Must($"-n {pod.Namespace} addr add {pod.Address}/24 dev eth0");
                network.Must($"-n {pod.Namespace} link set eth0 up");
                network.Must($"-n {pod.Namespace} link set lo up");
            }
            return network;
        }
        catch
        {
            network.Remove();
            throw;
        }
    }

    /// <summary>Cuts the pod off the network (its host-side link down): nothing goes in or out, the processes live on.</summary>
    public void Partition(Pod pod) => Must($"link set {pod.HostVeth} down");

    /// <summary>Reconnects a partitioned pod.</summary>
    public void Heal(Pod pod) => Must($"link set {pod.HostVeth} up");

    /// <summary>SIGKILLs every process in the pod's namespace (what a node failure or an OOM kill of the pod does).</summary>
    public static IReadOnlyList<int> KillAll(Pod pod)
    {
        var pids = Pids(pod);
        foreach (var pid in pids)
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
        return pids;
    }

    public static IReadOnlyList<int> Pids(Pod pod) =>
        [.. Ip($"netns pids {pod.Namespace}").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];

    public ValueTask DisposeAsync()
    {
        Remove();
        return ValueTask.CompletedTask;
    }

    private void Remove()
    {
        foreach (var pod in _pods) RemoveNamespace(pod.Namespace);
        Ip($"link del {_bridge}");
    }

    private static void RemoveNamespace(string name)
    {
        var pids = Ip($"netns pids {name}").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pid in pids)
        {
            try
            {
                Process.GetProcessById(int.Parse(pid)).Kill();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
        Ip($"netns del {name}"); // its veth end goes with it, and so does the pair
    }

    private static void RemoveLeftovers()
    {
        foreach (var name in Ip("netns list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]))
        {
            if (NamespacePattern().Match(name) is { Success: true } m && !IsAlive(int.Parse(m.Groups[1].Value))) RemoveNamespace(name);
        }
        foreach (Match m in LinkPattern().Matches(Ip("-o link show").Output))
        {
            if (!IsAlive(int.Parse(m.Groups[2].Value))) Ip($"link del {m.Groups[1].Value}");
        }
    }

    private static bool IsAlive(int pid) => pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}");

    private static string FreeSubnet()
    {
        var used = Ip("-o -4 addr show").Output;
        for (var x = 0; x < 256; x++)
        {
            if (!used.Contains($" 10.77.{x}.", StringComparison.Ordinal)) return $"10.77.{x}";
        }
        throw new InvalidOperationException("no free 10.77.X.0/24 on this host");
    }

    private void Must(string args)
    {
        var (code, output) = Ip(args);
        if (code != 0) throw new InvalidOperationException($"ip {args} failed ({code}): {output}");
    }

    private static (int Code, string Output) Ip(string args)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    [GeneratedRegex($"^{Prefix}-(\\d+)-")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex($"^\\d+: ({Prefix}(\\d+)[bh]\\d*)[@:]", RegexOptions.Multiline)]
    private static partial Regex LinkPattern();
}

/// <summary>One pod: its namespace, the host end of its link, and its address.</summary>
public sealed record Pod(string Namespace, string HostVeth, string Address);
