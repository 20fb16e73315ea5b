using System.Reflection;
using System.Runtime.CompilerServices;

namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The silo's flags as <c>u2pl-silo</c> itself parses them: <c>U2PL.Silo.SiloCommandLine.Parse</c> (internal to the
/// silo executable, called by reflection) on a container's expanded args and environment.
/// </summary>
internal sealed record SiloFlags(
    IReadOnlyList<string> Roles,
    int GpuSlots,
    string Cluster,
    string ClusterId,
    int Port,
    int GatewayPort,
    int HealthPort,
    string Host,
    string Listen,
    bool Insecure,
    IReadOnlyList<string> Problems)
{
    private static readonly Type CommandLine = Assembly.Load("u2pl-silo").GetType("U2PL.Silo.SiloCommandLine", throwOnError: true)!;

    /// <summary>The help text the silo prints for --help.</summary>
    public static string Usage => (string)CommandLine.GetField("Usage")!.GetValue(null)!;

    public static SiloFlags Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var parse = CommandLine.GetMethod("Parse", BindingFlags.Public | BindingFlags.Static)
            ?? throw new MissingMethodException("SiloCommandLine.Parse");
        Func<string, string?> env = name => environment.TryGetValue(name, out var value) ? value : null;
        var result = (ITuple)parse.Invoke(null, [args.ToArray(), env])!;
        var options = result[0]!;
        T Get<T>(string name) => (T)(CommandLine.GetProperty(name) ?? throw new MissingMemberException("SiloCommandLine", name)).GetValue(options)!;
        return new SiloFlags(
            Get<List<string>>("Roles"), Get<int>("GpuSlots"), Get<string>("Cluster"), Get<string>("ClusterId"),
            Get<int>("Port"), Get<int>("GatewayPort"), Get<int>("HealthPort"), Get<string>("Host"), Get<string>("Listen"),
            Get<bool>("Insecure"), (List<string>)result[1]!);
    }
}
