using System.Text.RegularExpressions;
using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>
/// Checks that need no renderer, so that they run where kubectl is missing: every YAML file parses, every file a
/// kustomization names exists, and the base's silo containers pass the silo checks on their own.
/// </summary>
public partial class SourceFileTests : OverlayTestBase
{
    private static IEnumerable<string> YamlFiles() =>
        Directory.EnumerateFiles(Repository.K8s, "*.yaml", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}secrets{Path.DirectorySeparatorChar}"));

    [Fact]
    public void Every_yaml_file_parses_and_every_object_has_kind_and_name()
    {
        foreach (var file in YamlFiles())
        {
            var documents = Yaml.LoadDocuments(File.ReadAllText(file));
            Assert.True(documents.Count > 0, $"{file}: no YAML document");
            if (Path.GetFileName(file) == "run.yaml") continue; // a run config (ConfigMap payload), not an object
            foreach (var document in documents)
            {
                Assert.True(document.Str("kind") is not null, $"{file}: a document without kind");
                if (document.Str("kind") != "Kustomization") Assert.True(document.Str("metadata", "name") is not null, $"{file}: an object without a name");
            }
        }
    }

    [Fact]
    public void Every_file_a_kustomization_names_exists()
    {
        foreach (var kustomization in Directory.EnumerateFiles(Repository.K8s, "kustomization.yaml", SearchOption.AllDirectories))
        {
            var dir = Path.GetDirectoryName(kustomization)!;
            var root = Yaml.LoadDocuments(File.ReadAllText(kustomization)).Single();
            var named = root.Strings("resources").Concat(root.Maps("patches").Select(p => p.Str("path")).OfType<string>())
                .Concat(root.Maps("configMapGenerator").Concat(root.Maps("secretGenerator")).SelectMany(g => g.Strings("files")).Select(f => f.Split('=').Last()));
            foreach (var path in named)
            {
                var full = Path.Combine(dir, path);
                // The gpu overlay's secrets/ is the user's (git-ignored); its templates must cover every file.
                var template = Regex.Replace(full, @"([/\\])secrets([/\\])", "$1secrets.example$2");
                Assert.True(File.Exists(full) || Directory.Exists(full) || File.Exists(template), $"{kustomization}: {path} does not exist");
            }
        }
        Assert.Contains("secrets/", File.ReadAllText(Path.Combine(Repository.K8s, "overlays", "gpu", ".gitignore")));
    }

    [Fact]
    public void Base_silo_containers_pass_the_silo_checks_without_rendering()
    {
        var files = Directory.GetFiles(Path.Combine(Repository.K8s, "base"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml"));
        var manifest = Manifest.FromFiles("k8s/base", files);
        // Secrets come from the overlays: stand-ins of the right shape.
        var silos = SiloContainer.All(manifest, (name, key) => key switch
        {
            "uri" => "redis://:secret@redis:6379",
            _ => $"{name}/{key}",
        });
        Assert.Equal(2, silos.Count);
        AssertNone(SiloChecks.Flags(silos), "base: silo flags");
        AssertNone(SiloChecks.Ports(silos, ProductSource.HealthPaths()), "base: ports");
        AssertNone(SiloChecks.Drain(silos, ProductSource.SiloShutdownTimeout()), "base: drain");
        AssertNone(SiloChecks.GpuSlots(silos, expectGpus: false), "base: GPU slots");
        AssertNone(SiloChecks.KubernetesHosting(silos, manifest, ProductSource.SiloServiceId()), "base: Kubernetes hosting");
        AssertNone(DataPlaneChecks.Ports(silos, U2PL.Grains.Hosting.U2plSiloOptions.DefaultDataPlanePort), "base: data-plane port");
        AssertNone(DataPlaneChecks.Probe(silos), "base: data-plane probe");
        AssertNone(DataPlaneChecks.Services(manifest, silos), "base: Services");
        foreach (var check in new Func<Manifest, List<SiloContainer>, IEnumerable<string>>[] { NetworkPolicyChecks.Selection, NetworkPolicyChecks.SiloTraffic, NetworkPolicyChecks.Clients, NetworkPolicyChecks.Ports })
            AssertNone(check(manifest, silos), "base: NetworkPolicy");
    }
}
