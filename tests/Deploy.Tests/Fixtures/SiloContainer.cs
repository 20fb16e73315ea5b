using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>A <c>u2pl-silo</c> container of a manifest with its environment and flags resolved.</summary>
internal sealed record SiloContainer(Workload Workload, YamlMappingNode Container, ContainerEnvironment Environment, List<string> RawArgs, SiloFlags Flags)
{
    public static List<SiloContainer> All(Manifest manifest, Func<string, string, string>? missingSecret = null) =>
        [.. manifest.ContainersRunning("u2pl-silo").Select(x =>
        {
            var environment = ContainerEnvironment.Of(x.Container, manifest, missingSecret, x.Workload.Labels);
            var raw = x.Container.Strings("args").ToList();
            var flags = SiloFlags.Parse(environment.Expand(raw, "args"), environment.Variables);
            return new SiloContainer(x.Workload, x.Container, environment, raw, flags);
        })];

    /// <summary>The raw (unexpanded) value of a flag, or null.</summary>
    public string? RawFlag(string flag) => RawArgs.IndexOf(flag) is var i and >= 0 && i + 1 < RawArgs.Count ? RawArgs[i + 1] : null;

    /// <summary>A port given by number or by the name of one of the container's ports.</summary>
    public int? ResolvePort(string? port) =>
        int.TryParse(port, out var number) ? number : Container.Maps("ports").FirstOrDefault(p => p.Str("name") == port).Int("containerPort");

    public string? Limit(string resource) => Container.Str("resources", "limits", resource);

    public override string ToString() => $"{Workload}/{Container.Str("name")}";
}
