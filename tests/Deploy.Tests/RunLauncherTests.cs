using U2PL.Deploy.Tests.Fixtures;
using U2PL.Segmentation.Training;

namespace U2PL.Deploy.Tests;

/// <summary>The run launcher (`u2pl run start` in the CronJob template) against the real client, gateway and config reader.</summary>
public class RunLauncherTests : OverlayTestBase
{
    [Theory]
    [MemberData(nameof(Overlays))]
    public void Launcher_flags_are_flags_of_u2pl_run_start(string overlay)
    {
        var launcher = RunLauncher.Find(Render(overlay));
        Assert.Equal("auto", launcher.Flag("--workers"));
        var client = Path.Combine(Repository.Root, "Client", "bin", Repository.Configuration, "net10.0", "u2pl");
        var (code, output, error) = Kustomize.Run(client, "run", "start", "--help");
        Assert.True(code == 0, $"u2pl run start --help exited {code}: {error}");
        foreach (var flag in launcher.Args.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
            Assert.True(output.Contains(flag, StringComparison.Ordinal), $"{flag} is not an option of `u2pl run start`:\n{output}");
        Assert.Equal("/app/client/u2pl", launcher.Container.Strings("command").Single());
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Launcher_finds_the_gateways_in_the_silos_cluster_store_and_cluster_id(string overlay)
    {
        var manifest = Render(overlay);
        var launcher = RunLauncher.Find(manifest);
        var environment = ContainerEnvironment.Of(launcher.Container, manifest, podLabels: launcher.Workload.Labels);
        Assert.Empty(environment.Problems);
        var cluster = environment.Expand([launcher.Flag("--cluster") ?? ""], "args").Single();
        var silos = SiloContainer.All(manifest);
        Assert.All(silos, s => Assert.Equal(s.Flags.Cluster, cluster));
        Assert.All(silos, s => Assert.Equal(s.Flags.ClusterId, launcher.Flag("--cluster-id") ?? "u2pl"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Gateway_service_reaches_the_gateway_port_of_the_silos_it_selects(string overlay)
    {
        var manifest = Render(overlay);
        var service = manifest.Find("Service", "u2pl-gateway");
        Assert.True(service is not null, $"no Service u2pl-gateway in {manifest}");
        var servicePort = Assert.Single(service.Root.Maps("spec", "ports"));
        var selector = service.Root.StringMap("spec", "selector");
        var silos = SiloContainer.All(manifest).Where(s => selector.All(kv => s.Workload.Labels.GetValueOrDefault(kv.Key) == kv.Value)).ToList();
        Assert.NotEmpty(silos);
        foreach (var silo in silos)
            Assert.True(silo.ResolvePort(servicePort.Str("targetPort")) == silo.Flags.GatewayPort && silo.Flags.GatewayPort > 0,
                $"Service u2pl-gateway targets {servicePort.Str("targetPort")}, not the gateway port {silo.Flags.GatewayPort} of {silo}");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Run_config_is_mounted_and_valid_for_the_training_config_reader(string overlay)
    {
        var manifest = Render(overlay);
        var config = RunLauncher.Find(manifest).Config(manifest);
        Assert.True(config is { Text: not null }, $"--config is not a key of a ConfigMap mounted in the launcher ({config})");
        var dir = Directory.CreateTempSubdirectory("u2pl-run-config-");
        try
        {
            var path = Path.Combine(dir.FullName, "run.yaml");
            File.WriteAllText(path, config.Value.Text);
            // The dataset is on the GPU silos' volume (checked below), not here: point its paths at an empty stand-in.
            var overrides = RunConfig.DatasetPaths(config.Value.Text).Select(p => $"{p.Key}={dir.FullName}").ToList();
            var options = TrainingConfigReader.Read(path, overrides);
            Assert.True(options.Method.Epochs > 0);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Dataset_paths_are_on_read_only_volumes_of_every_gpu_silo(string overlay)
    {
        var manifest = Render(overlay);
        var text = RunLauncher.Find(manifest).Config(manifest)?.Text ?? "";
        foreach (var silo in SiloContainer.All(manifest).Where(s => s.Flags.Roles.Contains("gpu")))
        {
            foreach (var (key, path) in RunConfig.DatasetPaths(text))
            {
                var mount = silo.Container.Maps("volumeMounts").FirstOrDefault(m => path.StartsWith((m.Str("mountPath") ?? "").TrimEnd('/') + "/", StringComparison.Ordinal));
                Assert.True(mount is not null, $"{key} {path} is on no volume of {silo}");
                Assert.True(mount.Str("readOnly") == "true", $"{key} {path}: {silo} mounts {mount.Str("mountPath")} read-write");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Checkpoint_store_account_is_the_one_the_silos_have_credentials_for(string overlay)
    {
        var manifest = Render(overlay);
        var store = RunConfig.CheckpointStore(RunLauncher.Find(manifest).Config(manifest)?.Text);
        Assert.True(store is not null, "the run config has no checkpoint.store: checkpoints would stay inside the pods");
        Assert.StartsWith("azure://", store);
        var account = new Uri(store).Host;
        foreach (var silo in SiloContainer.All(manifest))
        {
            var connection = EnvironmentChecks.BlobConnectionString(silo, manifest);
            Assert.True(connection is not null, $"{silo}: no blob connection string");
            var accountName = connection.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(kv => kv[0] == "AccountName")?[1];
            Assert.True(string.Equals(accountName, account, StringComparison.OrdinalIgnoreCase) || connection.Contains(account, StringComparison.OrdinalIgnoreCase),
                $"{silo}: checkpoint.store names account {account}, the connection string is for {accountName}");
        }
    }
}
