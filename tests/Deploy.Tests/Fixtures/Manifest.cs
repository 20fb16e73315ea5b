using System.Text;
using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>One Kubernetes object of a rendered overlay.</summary>
internal sealed record K8sObject(string Kind, string Name, string? Namespace, YamlMappingNode Root)
{
    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>A pod template inside a workload (Deployment, StatefulSet, Job, CronJob).</summary>
internal sealed record Workload(K8sObject Owner, YamlMappingNode Template)
{
    public YamlMappingNode Spec => Template.Map("spec")!;
    public Dictionary<string, string> Labels => Template.StringMap("metadata", "labels");
    public Dictionary<string, string> Annotations => Template.StringMap("metadata", "annotations");
    public IEnumerable<YamlMappingNode> Containers => Spec.Maps("initContainers").Concat(Spec.Maps("containers"));
    public int Replicas => Owner.Root.Int("spec", "replicas") ?? 1;
    public override string ToString() => Owner.ToString();
}

/// <summary>The objects of a rendered overlay (or of the unrendered base files), with look-ups by kind and name.</summary>
internal sealed class Manifest(string label, IReadOnlyList<K8sObject> objects)
{
    public string Label { get; } = label;
    public IReadOnlyList<K8sObject> Objects { get; } = objects;

    public static Manifest Parse(string label, string yaml) => new(label, [.. Yaml.LoadDocuments(yaml).Select(ToObject)]);

    public static Manifest FromFiles(string label, IEnumerable<string> files) =>
        new(label, [.. files.SelectMany(f => Yaml.LoadDocuments(File.ReadAllText(f))).Where(d => d.Str("kind") is not null).Select(ToObject)]);

    public IEnumerable<K8sObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public K8sObject? Find(string kind, string name) => Objects.FirstOrDefault(o => o.Kind == kind && o.Name == name);

    public IEnumerable<Workload> Workloads => Objects.Select(o => o.Kind switch
    {
        "Deployment" or "StatefulSet" or "Job" or "DaemonSet" => o.Root.Map("spec", "template"),
        "CronJob" => o.Root.Map("spec", "jobTemplate", "spec", "template"),
        _ => null,
    } is { } template ? new Workload(o, template) : null).OfType<Workload>();

    /// <summary>The workloads whose container runs the given executable (u2pl-silo, u2pl).</summary>
    public IEnumerable<(Workload Workload, YamlMappingNode Container)> ContainersRunning(string executable) =>
        Workloads.SelectMany(w => w.Spec.Maps("containers").Select(c => (w, c)))
            .Where(x => x.c.Strings("command").FirstOrDefault() is { } command && Path.GetFileName(command) == executable);

    /// <summary>A Secret's or ConfigMap's value by key (Secret data is base64); null when the object or key is missing.</summary>
    public string? Value(string kind, string name, string key)
    {
        var obj = Find(kind, name);
        if (obj is null) return null;
        if (obj.Root.Str("data", key) is { } data) return kind == "Secret" ? Encoding.UTF8.GetString(Convert.FromBase64String(data)) : data;
        return obj.Root.Str("stringData", key);
    }

    public IEnumerable<string> Keys(string kind, string name) =>
        Find(kind, name) is { } obj ? obj.Root.StringMap("data").Keys.Concat(obj.Root.StringMap("stringData").Keys) : [];

    public override string ToString() => Label;

    private static K8sObject ToObject(YamlMappingNode root) =>
        new(root.Str("kind") ?? "?", root.Str("metadata", "name") ?? "?", root.Str("metadata", "namespace"), root);
}
