using System.Globalization;

namespace U2PL.Client.Runs;

/// <summary>New run ids: <c>run-YYYYMMDD-HHMMSS-xxxx</c> (UTC time and four random hex digits), sortable by start.</summary>
public static class RunIds
{
    public static string New(string prefix = "run", DateTimeOffset? now = null) =>
        $"{prefix}-{(now ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Random.Shared.Next(0x10000):x4}";
}
