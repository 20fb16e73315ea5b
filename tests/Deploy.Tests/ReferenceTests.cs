using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>Everything a workload refers to is in the same rendered overlay.</summary>
public class ReferenceTests : OverlayTestBase
{
    [Theory]
    [MemberData(nameof(Overlays))]
    public void Secrets_config_maps_and_claims_referenced_exist_with_their_keys(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(ReferenceChecks.ConfigAndSecrets(manifest).Concat(ReferenceChecks.FileVariables(manifest)), $"{manifest}: references");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Services_and_disruption_budgets_select_pods_with_their_ports(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(ReferenceChecks.Services(manifest), $"{manifest}: services");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Pods_run_as_non_root_on_a_read_only_root_with_resources(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(ReferenceChecks.PodHygiene(manifest), $"{manifest}: pod security and resources");
    }
}
