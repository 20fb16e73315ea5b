using System.Text.Json;
using U2PL.Web;

namespace U2PL.Client.Runs;

/// <summary>The JSON the cluster commands print with <c>--json</c>: the run pages' JSON (<see cref="RunJson"/>), one object per line.</summary>
public static class CliJson
{
    public static JsonSerializerOptions Options => RunJson.Options;

    public static string Serialize<T>(T value) => RunJson.Serialize(value);

    public static void WriteLine<T>(T value) => Console.Out.WriteLine(Serialize(value));
}
