using Microsoft.Extensions.Logging;

namespace U2PL.Grains.Hosting;

/// <summary>
/// A silo that the cluster declared dead (or that hit a fatal runtime error) exits with <see cref="ExitCode"/> so that
/// its supervisor starts a new incarnation, instead of Orleans' default FailFast (a core dump and exit 134). Nothing of
/// its training state is lost: leases and state grains are taken over elsewhere.
/// </summary>
public sealed partial class ExitOnFatalError(ILogger<ExitOnFatalError> logger) : IFatalErrorHandler
{
    public const int ExitCode = 3;

    public bool IsUnexpected(Exception exception) => true;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        LogFatal(exception, context, ExitCode);
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Critical, Message = "fatal: {Context}; exiting with code {Code}")]
    private partial void LogFatal(Exception? exception, string? context, int code);
}
