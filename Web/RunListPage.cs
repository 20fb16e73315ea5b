using System.Globalization;
using System.Net;
using System.Text;
using U2PL.Contracts;

namespace U2PL.Web;

/// <summary>The <c>/runs</c> page: every run of the cluster, newest first, each linking to its page.</summary>
internal static class RunListPage
{
    public static string Render(IEnumerable<RunSummary> runs, string dashboardRoute)
    {
        var rows = new StringBuilder();
        foreach (var run in runs.OrderByDescending(r => r.Created))
        {
            var id = WebUtility.HtmlEncode(run.RunId);
            var miou = run.LastMeanIoU is { } m ? (m * 100).ToString("F2", CultureInfo.InvariantCulture) : "-";
            rows.Append(CultureInfo.InvariantCulture,
                $"<tr><td><a href=\"runs/{Uri.EscapeDataString(run.RunId)}\">{id}</a></td><td>{run.State.ToString().ToLowerInvariant()}</td>" +
                $"<td>{run.Iteration}/{run.TotalIterations}</td><td>{miou}</td><td>{WebUtility.HtmlEncode(run.ConfigSource)}</td><td>{run.Created:u}</td></tr>");
        }
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>U2PL runs</title><base href="/">
            <link rel="stylesheet" href="runs/assets/run.css"></head>
            <body><header><h1>U2PL runs</h1><nav><a href="{dashboardRoute}">Orleans Dashboard</a></nav></header>
            <main><table class="grid"><thead><tr><th>run</th><th>state</th><th>iteration</th><th>last mIoU</th><th>config</th><th>created</th></tr></thead>
            <tbody>{(rows.Length > 0 ? rows : "<tr><td colspan=\"6\">no runs yet</td></tr>")}</tbody></table></main></body></html>
            """;
    }
}
