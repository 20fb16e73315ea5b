using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace U2PL.Web;

/// <summary>
/// The access rule of <see cref="WebAccessOptions"/> as middleware on the given path prefixes (the Dashboard and the
/// run pages). A bearer token rather than ASP.NET Core authentication schemes: one shared secret per cluster, no
/// users, and the Dashboard's own endpoints take no policies.
/// </summary>
public static class WebAccess
{
    public const string CookieName = "u2pl_token";

    public static IApplicationBuilder UseU2plWebAccess(this IApplicationBuilder app, WebAccessOptions options, params string[] prefixes) =>
        app.UseWhen(c => prefixes.Any(p => c.Request.Path.StartsWithSegments(p)), branch => branch.Use(async (context, next) =>
        {
            var refusal = Check(context, options);
            if (refusal is null)
            {
                await next();
                return;
            }
            context.Response.StatusCode = refusal.Value.Status;
            if (refusal.Value.Status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer realm=\"u2pl\"";
            await context.Response.WriteAsync(refusal.Value.Message);
        }));

    private static (int Status, string Message)? Check(HttpContext context, WebAccessOptions options)
    {
        if (options.Token is { } token)
        {
            var query = context.Request.Query["token"].ToString();
            if (Matches(query, token))
            {
                context.Response.Cookies.Append(CookieName, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
                return null;
            }
            var header = context.Request.Headers.Authorization.ToString();
            var bearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
            if (Matches(bearer, token) || Matches(context.Request.Cookies[CookieName] ?? "", token)) return null;
            return (StatusCodes.Status401Unauthorized, "a token is required: Authorization: Bearer TOKEN, or open the page once with ?token=TOKEN");
        }
        if (options.Public || context.Connection.RemoteIpAddress is not { } remote || IPAddress.IsLoopback(remote)) return null;
        return (StatusCodes.Status403Forbidden, "served to loopback only (u2pl-silo --dashboard-public or --dashboard-token to change)");
    }

    private static bool Matches(string given, string token) =>
        given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
}
