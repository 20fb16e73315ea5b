using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>The rendered silo containers against the real u2pl-silo: its parser, its validators, its endpoints, its drain.</summary>
public class SiloConsistencyTests : OverlayTestBase
{
    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_flags_are_accepted_by_the_silos_own_parser_and_validators(string overlay)
    {
        var manifest = Render(overlay);
        var silos = SiloContainer.All(manifest);
        Assert.Equal(2, silos.Count);
        AssertNone(SiloChecks.Flags(silos), $"{manifest}: silo flags");
        foreach (var flag in silos.SelectMany(s => s.RawArgs).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Distinct())
            Assert.True(SiloFlags.Usage.Contains(flag + " ", StringComparison.Ordinal), $"{flag} is not in u2pl-silo --help");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_pods_carry_what_Orleans_Kubernetes_hosting_reads_and_may_watch_their_pods(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(SiloChecks.KubernetesHosting(SiloContainer.All(manifest), manifest, ProductSource.SiloServiceId()), $"{manifest}: Kubernetes hosting");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Ports_probes_and_scrape_annotations_agree_with_the_silo(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(SiloChecks.Ports(SiloContainer.All(manifest), ProductSource.HealthPaths()), $"{manifest}: ports and probes");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Grace_period_covers_preStop_and_the_silos_drain(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(SiloChecks.Drain(SiloContainer.All(manifest), ProductSource.SiloShutdownTimeout()), $"{manifest}: drain");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Gpu_limits_equal_gpu_slots(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(SiloChecks.GpuSlots(SiloContainer.All(manifest), ExpectsGpus(overlay)), $"{manifest}: GPU slots");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_variable_the_product_reads_is_provided(string overlay)
    {
        var manifest = Render(overlay);
        var store = RunConfig.CheckpointStore(RunLauncher.Find(manifest).Config(manifest)?.Text);
        AssertNone(EnvironmentChecks.Check(manifest, SiloContainer.All(manifest), store), $"{manifest}: environment");
    }
}
