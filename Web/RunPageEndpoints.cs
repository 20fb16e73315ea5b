using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using U2PL.Contracts;

namespace U2PL.Web;

/// <summary>
/// The run pages: <c>/runs</c> (every run), <c>/runs/{id}</c> (one run, updated live by polling its JSON),
/// <c>/runs/{id}/status.json</c> (what <c>u2pl run status --json</c> prints), <c>/runs/{id}/history.json</c> (loss curves,
/// evaluations, overlay links) and <c>/runs/{id}/overlays/{n}.png</c>.
/// </summary>
public static partial class RunPageEndpoints
{
    public const string Route = "/runs";

    public static IEndpointRouteBuilder MapRunPages(this IEndpointRouteBuilder endpoints, string dashboardRoute)
    {
        endpoints.MapGet(Route, async (IGrainFactory grains) => Html(RunListPage.Render(await grains.GetGrain<IRunRegistryGrain>(GrainKeys.Registry).List(), dashboardRoute)));
        endpoints.MapGet($"{Route}/assets/{{name}}", (string name) => Asset(name));
        endpoints.MapGet($"{Route}/{{id}}", async (string id, IGrainFactory grains) =>
            await Known(grains, id) is { } missing ? NotFoundPage(missing) : Html(Page("run.html").Replace("{{dashboard}}", dashboardRoute)));
        endpoints.MapGet($"{Route}/{{id}}/status.json", (string id, IGrainFactory grains) => Json(id, async () => RunJson.Serialize(await Run(grains, id).GetStatus())));
        endpoints.MapGet($"{Route}/{{id}}/history.json", (string id, IGrainFactory grains) => Json(id, async () => RunJson.Serialize(HistoryView.From(await Run(grains, id).GetHistory()))));
        endpoints.MapGet($"{Route}/{{id}}/overlays/{{index:int}}.png", async (string id, int index, IGrainFactory grains) =>
        {
            if (!ValidId(id)) return Results.NotFound();
            try
            {
                var overlays = (await Run(grains, id).GetHistory()).Overlays;
                return index >= 0 && index < overlays.Count ? Results.Bytes(overlays[index].Png, "image/png") : Results.NotFound();
            }
            catch (UnknownRunException)
            {
                return Results.NotFound();
            }
        });
        return endpoints;
    }

    private static ITrainingRunGrain Run(IGrainFactory grains, string id) => grains.GetGrain<ITrainingRunGrain>(id);

    /// <summary>Null when the run exists; otherwise why not.</summary>
    private static async Task<string?> Known(IGrainFactory grains, string id)
    {
        if (!ValidId(id)) return $"'{id}' is not a run id";
        try
        {
            await Run(grains, id).GetStatus();
            return null;
        }
        catch (UnknownRunException)
        {
            return $"no run '{id}' in this cluster";
        }
    }

    private static async Task<IResult> Json(string id, Func<Task<string>> document)
    {
        if (!ValidId(id)) return Results.NotFound(new { error = $"'{id}' is not a run id" });
        try
        {
            return Results.Text(await document(), "application/json", Encoding.UTF8);
        }
        catch (UnknownRunException)
        {
            return Results.NotFound(new { error = $"no run '{id}' in this cluster" });
        }
    }

    private static IResult NotFoundPage(string why) =>
        Results.Text(Page("not-found.html").Replace("{{why}}", WebUtility.HtmlEncode(why)), "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);

    private static IResult Html(string html) => Results.Text(html, "text/html; charset=utf-8", Encoding.UTF8);

    private static IResult Asset(string name) => name switch
    {
        "run.js" => Results.Text(Page(name), "text/javascript; charset=utf-8", Encoding.UTF8),
        "run.css" => Results.Text(Page(name), "text/css; charset=utf-8", Encoding.UTF8),
        _ => Results.NotFound(),
    };

    private static string Page(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"U2PL.Web.Pages.{name}")
            ?? throw new InvalidOperationException($"the page resource {name} is missing from {typeof(RunPageEndpoints).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static bool ValidId(string id) => RunIdPattern().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex RunIdPattern();
}
