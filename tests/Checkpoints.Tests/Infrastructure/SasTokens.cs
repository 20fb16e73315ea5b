using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>Account shared access signatures (service version 2020-12-06 and later), signed with the account key.</summary>
public static class SasTokens
{
    public static string Account(string account, string base64Key, string permissions, DateTimeOffset expiry)
    {
        const string version = "2021-08-06";
        var expires = expiry.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        // account, permissions, services, resource types, start, expiry, IP, protocol, version, encryption scope, "".
        var text = string.Join('\n', account, permissions, "b", "sco", "", expires, "", "", version, "", "");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64Key), Encoding.UTF8.GetBytes(text)));
        return $"sv={version}&ss=b&srt=sco&sp={permissions}&se={Uri.EscapeDataString(expires)}&sig={Uri.EscapeDataString(signature)}";
    }
}
