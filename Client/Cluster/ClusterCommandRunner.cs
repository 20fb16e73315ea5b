using System.Runtime.InteropServices;
using U2PL.Client.Cli;
using U2PL.Contracts;
using Orleans.Runtime;

namespace U2PL.Client.Cluster;

/// <summary>
/// Runs the body of a cluster command: Ctrl-C or SIGTERM cancels its token (a second one ends the process), and the failures a
/// user can meet — an unreachable cluster, an unknown run, a config the run grain refuses, a call that timed out —
/// become one <c>error:</c> line and exit 1 (130 after Ctrl-C). The rest is mapped as in <see cref="CommandRunner"/>.
/// </summary>
public static class ClusterCommandRunner
{
    public const int Interrupted = 130;

    /// <param name="body">The command; its token is cancelled by Ctrl-C.</param>
    /// <param name="runId">The run the command is about, for the unknown-run message.</param>
    public static int Run(Func<CancellationToken, Task<int>> body, string? runId = null)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl-C lets the command finish cleanly; a second one ends the process at once.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (kill, a container stop) ends the command the same way: cleanly, once.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        });
        try
        {
            return CommandRunner.Run(() => Invoke(body, runId, cancellation.Token));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static int Invoke(Func<CancellationToken, Task<int>> body, string? runId, CancellationToken cancellationToken)
    {
        try
        {
            return body(cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Interrupted;
        }
        catch (UnknownRunException e)
        {
            return Fail(runId is null ? e.Message : $"unknown run '{runId}'");
        }
        catch (Exception e) when (e is ClusterUnreachableException or RunConfigException or TimeoutException or OrleansException or NoFreeGpuSlotException)
        {
            if (Environment.GetEnvironmentVariable("U2PL_DEBUG") is { Length: > 0 }) Console.Error.WriteLine(e);
            return Fail(e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return CommandRunner.Failure;
    }
}
