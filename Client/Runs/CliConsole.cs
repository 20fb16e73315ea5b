using Spectre.Console;

namespace U2PL.Client.Runs;

/// <summary>
/// The Spectre.Console console for tables and panels: the terminal's when stdout is one; otherwise plain text (no ANSI
/// codes) at a fixed wide width, so that a pipe or a log gets whole lines rather than cells wrapped at 80 columns.
/// </summary>
public static class CliConsole
{
    public const int RedirectedWidth = 240;

    public static IAnsiConsole Out { get; } = Create();

    private static IAnsiConsole Create()
    {
        if (!Console.IsOutputRedirected) return AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.Profile.Width = RedirectedWidth;
        return console;
    }
}
