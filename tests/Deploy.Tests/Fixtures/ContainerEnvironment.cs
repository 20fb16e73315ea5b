using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// A container's environment as the kubelet builds it (literal values with $(VAR) expansion, the downward API with the
/// pod's labels, Secret and ConfigMap keys) and its args with $(VAR) expanded; every reference that would not resolve
/// is a problem.
/// </summary>
internal sealed partial class ContainerEnvironment
{
    /// <summary>What status.podIP reads as in these checks.</summary>
    public const string PodIp = "10.244.1.23";

    public Dictionary<string, string> Variables { get; } = [];
    public List<string> Problems { get; } = [];

    /// <summary>What metadata.name and metadata.namespace read as in these checks.</summary>
    public const string PodName = "pod-0", PodNamespace = "ns";

    /// <summary>Env names whose value comes from the downward API, with the field path (status.podIP, metadata.labels['...']).</summary>
    public Dictionary<string, string> FieldVariables { get; } = [];

    /// <summary>Env names whose value comes from the downward API field status.podIP.</summary>
    public IEnumerable<string> PodIpVariables => FieldVariables.Where(v => v.Value == "status.podIP").Select(v => v.Key);

    /// <param name="missingSecret">Value for a Secret key the manifest does not hold (unrendered base files); null: a problem.</param>
    /// <param name="podLabels">The pod template's labels, which metadata.labels['...'] reads.</param>
    public static ContainerEnvironment Of(YamlMappingNode container, Manifest manifest, Func<string, string, string>? missingSecret = null,
        IReadOnlyDictionary<string, string>? podLabels = null)
    {
        var result = new ContainerEnvironment();
        foreach (var env in container.Maps("env"))
        {
            var name = env.Str("name") ?? "";
            string? value;
            if (env.Str("value") is { } literal) value = result.Expand(literal, $"env {name}");
            else if (env.Str("valueFrom", "fieldRef", "fieldPath") is { } field)
            {
                value = field switch
                {
                    "status.podIP" => PodIp,
                    "metadata.name" => PodName,
                    "metadata.namespace" => PodNamespace,
                    _ when LabelField().Match(field) is { Success: true } label => podLabels?.GetValueOrDefault(label.Groups[1].Value),
                    _ => field,
                };
                result.FieldVariables[name] = field;
                if (value is null)
                {
                    result.Problems.Add($"env {name}: {field} is not a label of the pod");
                    continue;
                }
            }
            else if (env.Map("valueFrom", "secretKeyRef") is { } secret) value = result.Lookup(manifest, "Secret", secret, missingSecret);
            else if (env.Map("valueFrom", "configMapKeyRef") is { } configMap) value = result.Lookup(manifest, "ConfigMap", configMap, null);
            else value = null;
            if (value is null) result.Problems.Add($"env {name}: no value");
            else result.Variables[name] = value;
        }
        return result;
    }

    /// <summary>The container's args (or command) with $(VAR) expanded as the kubelet does.</summary>
    public List<string> Expand(IEnumerable<string> args, string what) => [.. args.Select(a => Expand(a, what))];

    private string Expand(string text, string what) => Reference().Replace(text, m =>
    {
        if (Variables.TryGetValue(m.Groups[1].Value, out var value)) return value;
        Problems.Add($"{what}: $({m.Groups[1].Value}) is not defined before it in the container's env (the kubelet would pass it literally)");
        return m.Value;
    });

    private string? Lookup(Manifest manifest, string kind, YamlMappingNode reference, Func<string, string, string>? missing)
    {
        var name = reference.Str("name") ?? "";
        var key = reference.Str("key") ?? "";
        if (manifest.Value(kind, name, key) is { } value) return value;
        if (missing is not null) return missing(name, key);
        if (reference.Str("optional") != "true") Problems.Add($"{kind} {name} has no key '{key}' in {manifest}");
        return null;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^metadata\.labels\['([^']+)'\]$")]
    private static partial Regex LabelField();
}
