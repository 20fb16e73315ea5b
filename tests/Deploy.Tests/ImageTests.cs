using System.Text.RegularExpressions;
using U2PL.Deploy.Tests.Fixtures;

namespace U2PL.Deploy.Tests;

/// <summary>
/// The Dockerfiles (not built here: no Docker engine on these machines) against the repository and the manifests:
/// one install script, SDK and compilers in the build stage only, a non-root user, the executables where the manifests run them.
/// </summary>
public partial class ImageTests
{
    public static TheoryData<string> Dockerfiles() => new("cpu.Dockerfile", "gpu.Dockerfile");

    private static List<string> Stages(string dockerfile) =>
        [.. StageStart().Split(File.ReadAllText(Path.Combine(Repository.K8s, "images", dockerfile))).Skip(1)];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Final_stage_has_no_sdk_no_compiler_and_a_non_root_user(string dockerfile)
    {
        var final = Stages(dockerfile).Last();
        Assert.DoesNotContain("dotnet/sdk", final);
        Assert.DoesNotContain("U2PL_DEPS=build", final);
        Assert.DoesNotContain("devel", final.Split('\n')[0]);
        Assert.Contains("U2PL_DEPS=runtime", final);
        Assert.Matches(@"(?m)^USER [1-9][0-9]*\s*$", final);
        Assert.Contains("dotnet/aspnet", File.ReadAllText(Path.Combine(Repository.K8s, "images", dockerfile)));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Images_build_with_the_repositorys_own_scripts_and_projects(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(Repository.K8s, "images", dockerfile));
        Assert.Contains("scripts/install-deps.sh", text);
        Assert.Contains("./build.sh", text);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "scripts", "install-deps.sh")));
        foreach (Match project in PublishedProject().Matches(text))
            Assert.True(File.Exists(Path.Combine(Repository.Root, project.Groups[1].Value)), $"{dockerfile} publishes {project.Groups[1].Value}, which does not exist");
        // The manifests run /app/silo/u2pl-silo and /app/client/u2pl: the publish folders and the assembly names must agree.
        Assert.Contains("-o /out/silo", text);
        Assert.Contains("-o /out/client", text);
        Assert.Contains("COPY --from=build /out /app", text);
        Assert.Contains("<AssemblyName>u2pl-silo</AssemblyName>", File.ReadAllText(Path.Combine(Repository.Root, "Silo", "Silo.csproj")));
        Assert.Contains("<AssemblyName>u2pl</AssemblyName>", File.ReadAllText(Path.Combine(Repository.Root, "Client", "Client.csproj")));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Images_need_nothing_of_PostgreSQL_and_the_scripts_image_modes_install_no_database(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(Repository.K8s, "images", dockerfile));
        Assert.DoesNotMatch("(?i)postgres|npgsql|libpq", text);
        // The image stages run install-deps.sh with U2PL_DEPS=build or runtime: databases are for the tests (mode all) only.
        var script = File.ReadAllText(Path.Combine(Repository.Root, "scripts", "install-deps.sh"));
        var modes = Regex.Matches(script, @"(?ms)^  (runtime|all\|build)\)(.*?);;");
        Assert.Equal(2, modes.Count);
        foreach (Match mode in modes)
        {
            var body = mode.Groups[1].Value == "runtime" ? mode.Groups[2].Value : mode.Groups[2].Value.Split("\"$mode\" == \"all\"")[0];
            Assert.DoesNotMatch("postgresql|redis-server", body);
        }
    }

    [Fact]
    public void Gpu_image_builds_and_publishes_with_the_cuda_switch_on_a_base_whose_libstdcxx_loads_torchsharp()
    {
        var text = File.ReadAllText(Path.Combine(Repository.K8s, "images", "gpu.Dockerfile"));
        Assert.Contains("U2PL_TORCH_BACKEND=cuda", text);
        foreach (Match publish in Regex.Matches(text, @"dotnet publish \S+"))
            Assert.Contains("-p:TorchBackend=cuda", text[publish.Index..text.IndexOf('\n', publish.Index)]);
        // Ubuntu 24.04 has GLIBCXX_3.4.32, which TorchSharp 0.107.0's native library needs.
        Assert.Matches(@"(?m)^FROM ubuntu:24\.04 AS build", text);
        Assert.Matches(@"(?m)^FROM nvidia/cuda:\$\{CUDA_VERSION\}-runtime-ubuntu24\.04", Stages("gpu.Dockerfile").Last().Insert(0, "FROM "));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Exposed_ports_are_the_ports_the_silo_containers_open(string dockerfile)
    {
        var expose = Regex.Match(Stages(dockerfile).Last(), @"(?m)^EXPOSE (.+)$");
        Assert.True(expose.Success, $"{dockerfile}: no EXPOSE in the final stage");
        var exposed = expose.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
        var manifest = Manifest.FromFiles("k8s/base", Directory.GetFiles(Path.Combine(Repository.K8s, "base"), "*.yaml"));
        var opened = manifest.ContainersRunning("u2pl-silo").SelectMany(x => x.Container.Maps("ports")).Select(p => p.Int("containerPort") ?? 0).Distinct().Order();
        Assert.Equal(opened, exposed);
    }

    [GeneratedRegex(@"(?m)^FROM ")]
    private static partial Regex StageStart();

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex PublishedProject();
}
