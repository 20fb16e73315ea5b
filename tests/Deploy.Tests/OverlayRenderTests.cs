using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>Both overlays render with kubectl kustomize into one namespace with everything the cluster needs.</summary>
public class OverlayRenderTests : OverlayTestBase
{
    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_renders_the_whole_cluster_into_its_namespace(string overlay)
    {
        var manifest = Render(overlay);
        var ns = Assert.Single(manifest.OfKind("Namespace")).Name;
        AssertNone(manifest.Objects.Where(o => o.Kind != "Namespace" && o.Namespace != ns).Select(o => $"{o} is not in namespace {ns}"), "namespaces");
        AssertNone(manifest.Objects.GroupBy(o => (o.Kind, o.Name)).Where(g => g.Count() > 1).Select(g => $"{g.Key} twice"), "duplicates");
        foreach (var (kind, name) in new[] { ("StatefulSet", "state-silo"), ("Deployment", "gpu-silo"), ("Service", "u2pl-silo"), ("Service", "u2pl-gateway"),
                                             ("PodDisruptionBudget", "state-silo"), ("CronJob", "u2pl-run-start") })
            Assert.True(manifest.Find(kind, name) is not null, $"{manifest}: {kind}/{name} missing");
        Assert.Equal("None", manifest.Find("Service", "u2pl-silo")!.Root.Str("spec", "clusterIP"));
        Assert.Equal("true", manifest.Find("CronJob", "u2pl-run-start")!.Root.Str("spec", "suspend"));
        Assert.NotEmpty(manifest.ContainersRunning("u2pl-silo"));
    }

    [Fact]
    public void Dev_overlay_brings_its_own_Redis_without_persistence_and_Azurite_3_35_0_without_telemetry()
    {
        var manifest = Render("dev");
        var redis = Assert.Single(manifest.Workloads, w => w.Owner.Name == "redis");
        var args = redis.Spec.Maps("containers").Single().Strings("args").ToList();
        Assert.True(args.IndexOf("--save") is var save and >= 0 && args[save + 1] == "", $"redis saves snapshots: {string.Join(' ', args)}");
        Assert.True(args.IndexOf("--appendonly") is var aof and >= 0 && args[aof + 1] == "no", $"redis keeps an append-only file: {string.Join(' ', args)}");
        // The silos' --cluster names this Redis: the redis Service and its port.
        foreach (var silo in SiloContainer.All(manifest))
        {
            var uri = new Uri(silo.Flags.Cluster);
            var service = manifest.Find("Service", uri.Host);
            Assert.True(service is not null, $"{silo}: --cluster host {uri.Host} is no Service of {manifest}");
            Assert.Contains(service.Root.Maps("spec", "ports"), p => p.Str("port") == uri.Port.ToString());
            Assert.Equal("redis", service.Root.StringMap("spec", "selector").GetValueOrDefault("app.kubernetes.io/name"));
        }
        Assert.DoesNotContain(manifest.Objects, o => o.Name.Contains("postgres", StringComparison.OrdinalIgnoreCase));
        var azurite = Assert.Single(manifest.Workloads, w => w.Owner.Name == "azurite");
        var command = azurite.Spec.Maps("containers").Single().Strings("command").ToList();
        Assert.Contains("azurite@3.35.0", command);
        Assert.Contains("--disableTelemetry", command);
    }

    [Fact]
    public void Gpu_overlay_uses_external_stores_only()
    {
        var manifest = Render("gpu");
        Assert.DoesNotContain(manifest.Workloads, w => w.Owner.Name is "redis" or "postgres" or "azurite");
        Assert.All(SiloContainer.All(manifest), s => Assert.StartsWith("redis://", s.Flags.Cluster));
        var silo = Assert.Single(manifest.ContainersRunning("u2pl-silo"), s => s.Workload.Owner.Name == "gpu-silo");
        Assert.Contains("u2pl-gpu", silo.Container.Str("image"));
    }
}
