using YamlDotNet.RepresentationModel;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The NetworkPolicies of a manifest against its silo containers: they select exactly the silo pods; the silo port and
/// the data plane admit the namespace's silo pods and nothing else; every u2pl client pod and every silo reaches the
/// gateway; a scraped health port admits any source; the ports they name are the ports the silos open. Policies add
/// up, as in Kubernetes: a silo admits what any policy selecting it admits.
/// </summary>
internal static class NetworkPolicyChecks
{
    /// <summary>One ingress rule; an empty <see cref="From"/> admits every source, empty <see cref="Ports"/> every port.</summary>
    private sealed record Rule(K8sObject Policy, List<YamlMappingNode> From, List<YamlMappingNode> Ports);

    public static IEnumerable<string> Selection(Manifest manifest, List<SiloContainer> silos)
    {
        var policies = manifest.OfKind("NetworkPolicy").Where(p => silos.Any(s => Selects(p, s.Workload))).ToList();
        if (policies.Count == 0) yield return $"{manifest}: no NetworkPolicy selects the silo pods";
        foreach (var policy in policies)
        {
            foreach (var workload in manifest.Workloads.Where(w => Selects(policy, w) && !IsSilo(w, silos)))
                yield return $"NetworkPolicy {policy.Name} selects {workload}, which runs no silo";
            if (!RestrictsIngress(policy)) yield return $"NetworkPolicy {policy.Name} leaves ingress open (policyTypes {string.Join(", ", policy.Root.Strings("spec", "policyTypes"))})";
        }
        foreach (var silo in silos.Where(s => !policies.Any(p => Selects(p, s.Workload) && RestrictsIngress(p))))
            yield return $"{silo}: no NetworkPolicy restricts ingress to its pods";
    }

    /// <summary>The silo port and the data plane: from silo pods of the namespace only, and from every silo.</summary>
    public static IEnumerable<string> SiloTraffic(Manifest manifest, List<SiloContainer> silos)
    {
        var siloSelectors = SiloSelectors(manifest, silos).DistinctBy(Describe).ToList();
        foreach (var silo in silos)
        {
            var rules = Rules(manifest, silo);
            foreach (var (name, port) in new[] { ("silo", silo.Flags.Port), ("data-plane", silo.Flags.DataPlane ? silo.Flags.DataPlanePort : 0) })
            {
                if (port == 0 || rules is null) continue; // rules null: Selection reports the missing policy
                var admitting = rules.Where(r => Admits(r, silo, port)).ToList();
                foreach (var rule in admitting)
                {
                    if (rule.From.Count == 0) yield return $"NetworkPolicy {rule.Policy.Name} admits the {name} port {port} of {silo} from any source";
                    foreach (var peer in rule.From)
                    {
                        if (peer.Map("podSelector") is not { } selector || peer.At("namespaceSelector") is not null || peer.At("ipBlock") is not null)
                        {
                            yield return $"NetworkPolicy {rule.Policy.Name} admits the {name} port {port} from {Describe(peer)}, not from pods of its namespace";
                            continue;
                        }
                        if (!siloSelectors.Any(s => LabelSelector.Requires(selector, s)))
                            yield return $"NetworkPolicy {rule.Policy.Name} admits the {name} port {port} from pods {Describe(peer)}, a selector that does not require a silo selector ({string.Join("; ", siloSelectors.Select(Describe))})";
                        foreach (var other in manifest.Workloads.Where(w => AdmitsPod(peer, rule.Policy, w) && !IsSilo(w, silos)))
                            yield return $"NetworkPolicy {rule.Policy.Name} admits the {name} port {port} from {other}, which runs no silo";
                    }
                }
                foreach (var peer in silos.Where(p => !Reaches(admitting, p.Workload)))
                    yield return $"{peer} cannot reach the {name} port {port} of {silo}";
            }
        }
    }

    /// <summary>The gateway admits the silos and every pod running the u2pl client; a scraped health port admits any source.</summary>
    public static IEnumerable<string> Clients(Manifest manifest, List<SiloContainer> silos)
    {
        var clients = manifest.ContainersRunning("u2pl").Select(c => c.Workload).Concat(silos.Select(s => s.Workload)).Distinct().ToList();
        foreach (var silo in silos)
        {
            if (Rules(manifest, silo) is not { } rules) continue;
            if (silo.Flags.GatewayPort > 0)
            {
                var admitting = rules.Where(r => Admits(r, silo, silo.Flags.GatewayPort)).ToList();
                foreach (var client in clients.Where(c => !Reaches(admitting, c)))
                    yield return $"{client} cannot reach the gateway {silo.Flags.GatewayPort} of {silo}";
            }
            if (silo.Workload.Annotations.GetValueOrDefault("prometheus.io/scrape") == "true" && silo.Flags.HealthPort > 0 &&
                !rules.Any(r => Admits(r, silo, silo.Flags.HealthPort) && r.From.Count == 0))
                yield return $"{silo}: scraped (prometheus.io/scrape), but the health port {silo.Flags.HealthPort} does not admit every source";
        }
    }

    /// <summary>The ports the policies name are ports the silos open, and every port a silo opens is admitted.</summary>
    public static IEnumerable<string> Ports(Manifest manifest, List<SiloContainer> silos)
    {
        foreach (var silo in silos)
        {
            if (Rules(manifest, silo) is not { } rules) continue;
            var open = silo.Container.Maps("ports").Select(p => p.Int("containerPort")).OfType<int>().ToList();
            foreach (var (rule, port) in rules.SelectMany(r => r.Ports.Select(p => (r, p))).Where(x => x.p.Str("port") is not null))
            {
                if (silo.ResolvePort(port.Str("port")) is not { } number || !open.Contains(number))
                    yield return $"NetworkPolicy {rule.Policy.Name} names port {port.Str("port")}, which {silo} does not open ({string.Join(", ", open)})";
            }
            foreach (var port in open.Where(p => !rules.Any(r => Admits(r, silo, p))))
                yield return $"{silo}: container port {port} is admitted by no rule";
        }
    }

    private static bool Selects(K8sObject policy, Workload workload) =>
        policy.Namespace == workload.Owner.Namespace && LabelSelector.Matches(policy.Root.Map("spec", "podSelector") ?? new YamlMappingNode(), workload.Labels);

    private static bool RestrictsIngress(K8sObject policy) =>
        policy.Root.Strings("spec", "policyTypes").ToList() is var types && (types.Count == 0 || types.Contains("Ingress"));

    private static bool IsSilo(Workload workload, List<SiloContainer> silos) => silos.Any(s => ReferenceEquals(s.Workload.Owner, workload.Owner));

    /// <summary>The ingress rules that apply to a silo's pods, or null when no policy restricts their ingress (all is admitted).</summary>
    private static List<Rule>? Rules(Manifest manifest, SiloContainer silo)
    {
        var policies = manifest.OfKind("NetworkPolicy").Where(p => Selects(p, silo.Workload) && RestrictsIngress(p)).ToList();
        return policies.Count == 0 ? null : [.. policies.SelectMany(p => p.Root.Maps("spec", "ingress").Select(r => new Rule(p, [.. r.Maps("from")], [.. r.Maps("ports")])))];
    }

    private static bool Admits(Rule rule, SiloContainer silo, int port) =>
        rule.Ports.Count == 0 || rule.Ports.Any(p => (p.Str("protocol") ?? "TCP") == "TCP" &&
            (p.Str("port") is null || silo.ResolvePort(p.Str("port")) is { } first && (port == first || p.Int("endPort") is { } end && port > first && port <= end)));

    private static bool AdmitsPod(YamlMappingNode peer, K8sObject policy, Workload pod) =>
        peer.At("namespaceSelector") is null && peer.At("ipBlock") is null && peer.Map("podSelector") is { } selector &&
        policy.Namespace == pod.Owner.Namespace && LabelSelector.Matches(selector, pod.Labels);

    private static bool Reaches(List<Rule> admitting, Workload pod) =>
        admitting.Any(r => r.From.Count == 0 || r.From.Any(peer => AdmitsPod(peer, r.Policy, pod)));

    /// <summary>What selects silo pods: the silo workloads' own selectors and the selectors of Services that select silos only.</summary>
    private static List<Dictionary<string, string>> SiloSelectors(Manifest manifest, List<SiloContainer> silos) =>
    [
        .. silos.Select(s => s.Workload.Owner.Root.StringMap("spec", "selector", "matchLabels")),
        .. manifest.OfKind("Service").Select(s => s.Root.StringMap("spec", "selector"))
            .Where(selector => selector.Count > 0 && manifest.Workloads.Where(w => selector.All(kv => w.Labels.GetValueOrDefault(kv.Key) == kv.Value)).ToList() is
                { Count: > 0 } selected && selected.All(w => IsSilo(w, silos))),
    ];

    private static string Describe(YamlMappingNode peer) =>
        peer.Map("podSelector") is { } selector && peer.At("namespaceSelector") is null && peer.At("ipBlock") is null
            ? "{" + Describe(selector.StringMap("matchLabels")) + (selector.Maps("matchExpressions").Any() ? ", matchExpressions" : "") + "}"
            : string.Join(" and ", new[] { "podSelector", "namespaceSelector", "ipBlock" }.Where(k => peer.At(k) is not null));

    private static string Describe(Dictionary<string, string> labels) => string.Join(", ", labels.Select(kv => $"{kv.Key}={kv.Value}"));
}
