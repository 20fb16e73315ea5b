namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>Paths inside the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string K8s => Path.Combine(Root, "k8s");

    /// <summary>The build configuration of this test assembly (the client and silo are built in the same one).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "U2PL.Orleans.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("repository root (U2PL.Orleans.sln) not found above " + AppContext.BaseDirectory);
    }
}
