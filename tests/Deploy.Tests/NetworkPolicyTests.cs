using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>
/// The silos' NetworkPolicy in every rendered overlay: it selects the silo pods only, admits the silo port and the data
/// plane from the cluster's own silos only, keeps the gateway open to the u2pl client pods and the health port to the
/// scrapers, and names the ports the silo containers open.
/// </summary>
public class NetworkPolicyTests : OverlayTestBase
{
    [Theory]
    [MemberData(nameof(Overlays))]
    public void Network_policy_selects_exactly_the_silo_pods(string overlay)
    {
        var manifest = Render(overlay);
        Assert.NotEmpty(manifest.OfKind("NetworkPolicy"));
        AssertNone(NetworkPolicyChecks.Selection(manifest, SiloContainer.All(manifest)), $"{manifest}: NetworkPolicy selection");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_and_data_plane_ports_admit_the_clusters_silos_and_nothing_else(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(NetworkPolicyChecks.SiloTraffic(manifest, SiloContainer.All(manifest)), $"{manifest}: silo and data-plane ingress");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Gateway_admits_the_client_pods_and_the_health_port_its_scrapers(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(NetworkPolicyChecks.Clients(manifest, SiloContainer.All(manifest)), $"{manifest}: gateway and health ingress");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Policy_ports_are_the_ports_the_silo_containers_open(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(NetworkPolicyChecks.Ports(manifest, SiloContainer.All(manifest)), $"{manifest}: NetworkPolicy ports");
    }
}
