using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using U2PL.Client.Tests.Cluster;

namespace U2PL.Client.Tests.RunPage;

/// <summary>
/// The run page in a real headless Chromium against a real <c>u2pl-silo</c>: it shows what <c>u2pl run status --json</c>
/// says (loss chart, mIoU table, workers, after a <c>run scale</c> too); unknown runs are a 404 page; with a token the
/// page and its JSON refuse requests without it.
/// </summary>
public sealed partial class RunPageTests(GrainSiloFixture fixture) : IClassFixture<GrainSiloFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-run-page-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Where the test leaves the page's screenshot (README shows it).</summary>
    public static string ScreenshotPath => Path.Combine(U2plProcess.RepositoryRoot, "artifacts", "screenshots", "run-page.png");

    [Fact]
    public void The_page_of_a_running_run_shows_the_losses_the_miou_table_and_the_workers_that_run_status_json_reports()
    {
        using var browser = HeadlessChromium.Start();
        var config = TinyRunConfig.Write(_directory, maxIterations: 36, epochs: 3); // 12 steps per epoch
        var runId = Ok("run", "start", "--config", config, "--workers", "1").Output.Trim();
        var page = $"{fixture.Silo.Web}/runs/{runId}";

        // Mid-run: the chart and the mIoU table hold what the run reports. The run is paused for the comparison, since
        // on a loaded machine a step can end between reading the page and the CLI's answer (seen in CI).
        WaitFor(runId, s => s.GetProperty("last_mean_iou").ValueKind == JsonValueKind.Number, TimeSpan.FromMinutes(4), "the first validation");
        Ok("run", "pause", runId);
        var (dom, status) = PageAgreeingWithStatus(browser, page, runId, TimeSpan.FromMinutes(2));
        Assert.Equal("paused", status.GetProperty("state").GetString());
        Assert.Contains("data-state=\"paused\"", dom);
        Assert.True(ChartPoints(dom) >= 3, $"the loss chart has {ChartPoints(dom)} points\n{dom}");
        Ok("run", "resume", runId);

        // A worker added from the CLI shows on the next load, with the silo it runs on.
        Ok("run", "scale", runId, "--workers", "2");
        var scaled = WaitFor(runId, s => s.GetProperty("workers").GetArrayLength() == 2, TimeSpan.FromMinutes(2), "the second worker");
        var newWorker = scaled.GetProperty("workers")[1];
        var reloaded = Eventually(() => browser.DumpDom(page), d => d.Contains("desired 2 · actual 2"), TimeSpan.FromMinutes(1), "the page to show two workers");
        Assert.Contains($"data-worker=\"{newWorker.GetProperty("worker_key").GetString()}\"", reloaded);
        Assert.Contains(newWorker.GetProperty("silo").GetString()!, reloaded);

        // At the end: every evaluation in the table, the last one equal to the run's last mIoU; then the screenshot.
        var done = WaitFor(runId, s => s.GetProperty("state").GetString() == "completed", TimeSpan.FromMinutes(6), "the run to complete");
        var final = browser.DumpDom(page);
        Assert.Contains("data-state=\"completed\"", final);
        var rows = MiouRows(final);
        Assert.True(rows.Count == 3, $"the mIoU table has {rows.Count} rows after 3 epochs\n{final}");
        Assert.Equal(Percent(done.GetProperty("last_mean_iou").GetDouble()), rows[^1].MeanIoU);
        Assert.Equal(done.GetProperty("total_iterations").GetInt64().ToString(CultureInfo.InvariantCulture), Regex.Match(final, "data-iteration=\"(\\d+)\"").Groups[1].Value);
        // The last validation's overlays (logging.tensorboard_images, 3 by default; epochs count from 0 in the JSON) as PNGs.
        var overlays = Regex.Matches(final, "<img src=\"([^\"]+/overlays/\\d+\\.png)\\?epoch=2\"").Select(m => m.Groups[1].Value).ToList();
        Assert.True(overlays.Count == 3, $"the page shows {overlays.Count} overlays of epoch 3\n{final}");
        using (var http = new HttpClient())
        {
            var png = http.GetByteArrayAsync(fixture.Silo.Web + overlays[0]).Result;
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        browser.Screenshot(page, ScreenshotPath);
        Assert.True(new FileInfo(ScreenshotPath).Length > 10_000, "the screenshot is nearly empty");
        TestContext.Current.SendDiagnosticMessage($"run page of {runId}: {ChartPoints(final)} chart points, mIoU per epoch {string.Join(" / ", rows.Select(r => r.MeanIoU))}; screenshot {ScreenshotPath}");
    }

    [Fact]
    public async Task An_unknown_run_is_a_404_page_and_a_404_json_error()
    {
        using var http = new HttpClient();
        var page = await http.GetAsync($"{fixture.Silo.Web}/runs/run-that-never-was");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no run 'run-that-never-was'", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
        var json = await http.GetAsync($"{fixture.Silo.Web}/runs/run-that-never-was/status.json");
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        using var error = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Contains("run-that-never-was", error.RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{fixture.Silo.Web}/runs/..%2Fetc/status.json")).StatusCode);
        Assert.False(fixture.Silo.Output.Contains("Unhandled exception", StringComparison.Ordinal), fixture.Silo.Output);
    }

    [Fact]
    public async Task With_a_token_the_page_its_json_and_the_dashboard_refuse_requests_without_it()
    {
        const string token = "a-test-token-of-enough-length";
        await using var silo = await GrainSiloProcess.StartAsync(gpuSlots: 0, extraArguments: ["--dashboard-token", token]);
        using var http = new HttpClient();
        foreach (var path in new[] { "/runs", "/runs/some-run", "/runs/some-run/status.json", "/runs/some-run/history.json", "/dashboard/" })
        {
            var refused = await http.GetAsync(silo.Web + path);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path} without the token: {refused.StatusCode}");
            using var wrong = new HttpRequestMessage(HttpMethod.Get, silo.Web + path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token + "x") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
            using var right = new HttpRequestMessage(HttpMethod.Get, silo.Web + path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            var answered = await http.SendAsync(right);
            Assert.True(answered.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{path} with the token: {answered.StatusCode}");
        }
        // A browser gets in once through ?token=, which leaves a cookie for the page's own requests.
        using var cookies = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
        Assert.Equal(HttpStatusCode.OK, (await cookies.GetAsync($"{silo.Web}/runs?token={token}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cookies.GetAsync($"{silo.Web}/runs/some-run/status.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{silo.Web}/healthz")).StatusCode); // probes stay open
    }

    private (string Dom, JsonElement Status) PageAgreeingWithStatus(HeadlessChromium browser, string page, string runId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var dom = browser.DumpDom(page);
            var status = Status(runId);
            var rows = MiouRows(dom);
            var agrees = rows.Count > 0 && rows[^1].MeanIoU == Percent(status.GetProperty("last_mean_iou").GetDouble())
                && dom.Contains($"data-iteration=\"{status.GetProperty("iteration").GetInt64()}\"")
                && dom.Contains($"data-latest=\"{Js(status.GetProperty("supervised_loss").GetDouble())}\"");
            if (agrees) return (dom, status);
            if (DateTime.UtcNow > deadline) Assert.Fail($"the page never agreed with run status --json {status}\n{dom}");
        }
    }

    private static int ChartPoints(string dom) => int.Parse(Regex.Match(dom, "id=\"loss-chart\"[^>]*data-points=\"(\\d+)\"|data-points=\"(\\d+)\"[^>]*id=\"loss-chart\"") is { Success: true } m
        ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) : "0", CultureInfo.InvariantCulture);

    private static List<(int Epoch, string MeanIoU)> MiouRows(string dom) =>
        [.. MiouRow().Matches(dom).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value))];

    [GeneratedRegex("<tr data-epoch=\"(\\d+)\">.*?<td class=\"num miou\">([0-9.]+)</td>")]
    private static partial Regex MiouRow();

    /// <summary>A number as JavaScript's String(x) writes it (shortest round-trip form).</summary>
    private static string Js(double value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E-", "e-", StringComparison.Ordinal);

    private static string Percent(double value) => (value * 100).ToString("F2", CultureInfo.InvariantCulture);

    private ClusterCli.Result Ok(params string[] arguments)
    {
        var result = ClusterCli.Run(fixture.ClientEnvironment, TimeSpan.FromMinutes(3), [.. arguments, "--cluster", fixture.Silo.Gateway]);
        Assert.True(result.ExitCode == 0, $"u2pl {string.Join(' ', arguments)}: {result}");
        return result;
    }

    private JsonElement Status(string runId)
    {
        using var document = JsonDocument.Parse(Ok("run", "status", runId, "--json").Output);
        return document.RootElement.Clone();
    }

    private JsonElement WaitFor(string runId, Func<JsonElement, bool> condition, TimeSpan timeout, string what) =>
        Eventually(() => Status(runId), condition, timeout, what);

    private static T Eventually<T>(Func<T> read, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = read();
            if (condition(value)) return value;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: still {value}");
            Thread.Sleep(1000);
        }
    }
}
