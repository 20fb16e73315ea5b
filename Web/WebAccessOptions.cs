namespace U2PL.Web;

/// <summary>Who may open the Orleans Dashboard and the run pages (one rule for both).</summary>
public sealed record WebAccessOptions
{
    /// <summary>
    /// When set, every request needs it: <c>Authorization: Bearer TOKEN</c>, the <c>u2pl_token</c> cookie, or
    /// <c>?token=TOKEN</c> once (which sets the cookie), from any address. Unset: loopback only, unless <see cref="Public"/>.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>Without a token, serve any address (u2pl-silo --dashboard-public). Default: loopback only.</summary>
    public bool Public { get; init; }

    public string Describe() => Token is not null ? "token required" : Public ? "open to any address" : "loopback only";
}
