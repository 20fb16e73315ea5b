using TorchSharp;
using TorchSharp.Modules;

namespace U2PL.Segmentation.TensorBoard;

/// <summary>
/// A run's TensorBoard event files in one folder, written through TorchSharp's <see cref="SummaryWriter"/>, which appends,
/// flushes and closes the file at every event (nothing is buffered, so a stopped or killed run loses nothing written).
/// What this adds: the writer opens on the first write, writes from several threads are serialised, every tensor an
/// image summary makes is disposed, and a folder that cannot be written is warned about once and then left alone: the
/// logs must never stop a run. A resumed run opens a new event file in the same folder; TensorBoard reads them as one.
/// </summary>
public sealed class TensorBoardLog(string directory, Action<string> warn) : IDisposable
{
    private readonly Lock _lock = new();
    private SummaryWriter? _writer;
    private bool _failed;
    private bool _disposed;

    /// <summary>The folder of the event files.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Whether writes still go to the files (false after a failure or <see cref="Dispose"/>).</summary>
    public bool IsWriting
    {
        get
        {
            lock (_lock) return !_failed && !_disposed;
        }
    }

    /// <summary>Runs <paramref name="write"/> with the writer (TorchSharp's <c>add_scalar</c>, <c>add_img</c>, ...), unless the log failed or was disposed.</summary>
    public void Write(Action<SummaryWriter> write)
    {
        lock (_lock)
        {
            if (_failed || _disposed) return;
            try
            {
                using var scope = torch.NewDisposeScope();
                _writer ??= torch.utils.tensorboard.SummaryWriter(Directory);
                write(_writer);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _failed = true;
                warn($"TensorBoard logs in {Directory} are off for the rest of the run: {e.Message}");
            }
        }
    }

    /// <summary>Stops writing; every event written so far is already on disk.</summary>
    public void Dispose()
    {
        lock (_lock) _disposed = true;
    }

    /// <summary>TensorBoard's steps are 32-bit.</summary>
    public static int Step(long iteration) => (int)Math.Clamp(iteration, 0, int.MaxValue);
}
