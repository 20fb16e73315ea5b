using U2PL.Client.Runs;
using U2PL.Contracts;

namespace U2PL.Client.Demo;

/// <summary>
/// What the demo prints: a progress line on stderr (rewritten in place in a terminal, one per update otherwise) and
/// what happens — events, scaling, results — as lines on stdout.
/// </summary>
public sealed class DemoConsole
{
    private readonly bool _inPlace = !Console.IsErrorRedirected;
    private bool _lineOpen;
    private long _lastIteration = -1;

    public void Progress(RunStatus s)
    {
        if (!_inPlace && s.Iteration == _lastIteration) return;
        _lastIteration = s.Iteration;
        const int width = 20;
        var filled = (int)(width * s.Iteration / Math.Max(1, s.TotalIterations));
        var bar = "[" + new string('#', filled) + new string('.', width - filled) + "]";
        var workers = s.Workers.Count(w => w.State is WorkerState.Training or WorkerState.Starting);
        var line = $"{bar} {RunStatusView.StateName(s.State)} epoch {Math.Min(s.Epoch + 1, Math.Max(1, s.Epochs))}/{s.Epochs} step {s.Iteration}/{s.TotalIterations} " +
                   $"Ls {s.SupervisedLoss:F3} Lu {s.UnsupervisedLoss:F3} Lc {s.ContrastiveLoss:F3} αt {s.Alpha:F3} " +
                   $"{s.ImagesPerSecond:F1} img/s workers {workers} ETA {RunStatusView.Duration(s.EtaSeconds)}";
        if (_inPlace)
        {
            var columns = Math.Max(20, SafeWindowWidth() - 1);
            Console.Error.Write("\r" + (line.Length > columns ? line[..columns] : line.PadRight(columns)));
            _lineOpen = true;
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }

    public void Event(RunEvent e) => Say(RunStatusView.EventLine(e));

    /// <summary>A line on stdout, after closing the progress line.</summary>
    public void Say(string message)
    {
        CloseLine();
        Console.Out.WriteLine(message);
    }

    /// <summary>A line on stderr, after closing the progress line.</summary>
    public void Note(string message)
    {
        CloseLine();
        Console.Error.WriteLine(message);
    }

    private void CloseLine()
    {
        if (!_lineOpen) return;
        Console.Error.WriteLine();
        _lineOpen = false;
    }

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 120;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
