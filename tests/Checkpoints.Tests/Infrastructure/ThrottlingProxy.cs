using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace U2PL.Checkpoints.Tests.Infrastructure;

/// <summary>What the proxy does with the Nth request (1-based).</summary>
public enum ProxyAction
{
    Forward,
    /// <summary>503 Server Busy with Retry-After: 1, as Azure answers when an account is throttled.</summary>
    Throttle,
    /// <summary>Waits 3 s, then forwards: longer than a short attempt timeout.</summary>
    Stall,
    /// <summary>Forwards the request with one byte of its body flipped, as a faulty network might.</summary>
    CorruptBody,
}

/// <summary>
/// A loopback HTTP proxy in front of Azurite (Kestrel + HttpClient) that answers, delays or damages chosen requests, so
/// that the store meets real 503s with real Retry-After headers, real slow responses and real bad bytes.
/// </summary>
public sealed class ThrottlingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client = new();
    private int _requests;
    private int _throttled;

    private ThrottlingProxy(WebApplication app) => _app = app;

    public int Requests => _requests;

    public int Throttled => _throttled;

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<ThrottlingProxy> StartAsync(Uri target, Func<int, ProxyAction> plan)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = AzuriteFixture.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var proxy = new ThrottlingProxy(app) { Endpoint = new Uri($"http://127.0.0.1:{port}{target.AbsolutePath}") };
        var origin = new Uri(target.GetLeftPart(UriPartial.Authority));
        app.Run(context => proxy.HandleAsync(context, origin, plan(Interlocked.Increment(ref proxy._requests))));
        await app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext context, Uri origin, ProxyAction action)
    {
        if (action == ProxyAction.Throttle)
        {
            Interlocked.Increment(ref _throttled);
            context.Response.StatusCode = 503;
            context.Response.Headers["Retry-After"] = "1";
            context.Response.Headers["x-ms-error-code"] = "ServerBusy";
            return;
        }
        if (action == ProxyAction.Stall)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(origin, context.Request.Path + context.Request.QueryString));
        if (action == ProxyAction.CorruptBody)
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var bytes = body.ToArray();
            bytes[bytes.Length / 2] ^= 0xFF;
            request.Content = new ByteArrayContent(bytes);
        }
        else if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
