using U2PL.Deploy.Tests.Fixtures;
using U2PL.Grains.Hosting;

namespace U2PL.Deploy.Tests;

/// <summary>The tensor data plane in the rendered overlays: the silo's own default port, passed, opened, probed and exposed.</summary>
public class DataPlaneTests : OverlayTestBase
{
    [Theory]
    [MemberData(nameof(Overlays))]
    public void Data_plane_port_is_the_silos_default_passed_as_a_flag_and_opened_by_the_container(string overlay)
    {
        var manifest = Render(overlay);
        var silos = SiloContainer.All(manifest);
        Assert.NotEmpty(silos);
        AssertNone(DataPlaneChecks.Ports(silos, U2plSiloOptions.DefaultDataPlanePort), $"{manifest}: data-plane port");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_service_exposing_the_silo_port_exposes_the_data_plane_by_name(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(DataPlaneChecks.Services(manifest, SiloContainer.All(manifest)), $"{manifest}: Services");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Startup_probe_checks_the_data_plane_on_its_named_port(string overlay)
    {
        var manifest = Render(overlay);
        AssertNone(DataPlaneChecks.Probe(SiloContainer.All(manifest)), $"{manifest}: data-plane probe");
    }
}
