using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>The container that runs <c>u2pl run start</c> (the CronJob used as the Job template) and what it points at.</summary>
internal sealed record RunLauncher(Workload Workload, YamlMappingNode Container, List<string> Args)
{
    public static RunLauncher Find(Manifest manifest)
    {
        var launchers = manifest.ContainersRunning("u2pl").Where(x => x.Container.Strings("args").Take(2).SequenceEqual(["run", "start"])).ToList();
        Assert.True(launchers.Count == 1, $"{manifest}: expected one container running `u2pl run start`, found {launchers.Count}");
        return new RunLauncher(launchers[0].Workload, launchers[0].Container, [.. launchers[0].Container.Strings("args")]);
    }

    public string? Flag(string flag) => Args.IndexOf(flag) is var i and >= 0 && i + 1 < Args.Count ? Args[i + 1] : null;

    /// <summary>The run config file behind --config: (ConfigMap, key, text) when the path is a key of a mounted ConfigMap.</summary>
    public (string ConfigMap, string Key, string? Text)? Config(Manifest manifest)
    {
        var path = Flag("--config") ?? "";
        foreach (var mount in Container.Maps("volumeMounts"))
        {
            var prefix = (mount.Str("mountPath") ?? "").TrimEnd('/') + "/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var volume = Workload.Spec.Maps("volumes").FirstOrDefault(v => v.Str("name") == mount.Str("name"));
            if (volume.Str("configMap", "name") is not { } configMap) return null;
            var key = path[prefix.Length..];
            return (configMap, key, manifest.Value("ConfigMap", configMap, key));
        }
        return null;
    }
}
