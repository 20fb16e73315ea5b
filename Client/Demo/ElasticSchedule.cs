using U2PL.Contracts;

namespace U2PL.Client.Demo;

/// <summary>
/// The demo's elasticity: one worker more after <see cref="UpAt"/> of the iterations, back to the start count after
/// <see cref="DownAt"/>, so that the user sees a worker join and leave while the others train on.
/// </summary>
public sealed class ElasticSchedule(int workers, bool enabled)
{
    public const double UpAt = 0.25;
    public const double DownAt = 0.60;

    private int _stage;

    public int Workers { get; } = workers;

    public bool Enabled { get; } = enabled;

    public string Describe() => Enabled
        ? $"{Workers} workers, {Workers + 1} after {UpAt * 100:0}% of the iterations, {Workers} again after {DownAt * 100:0}%"
        : $"{Workers} workers";

    /// <summary>The worker count to scale to now, if the run just crossed a threshold.</summary>
    public int? Next(RunStatus status)
    {
        if (!Enabled || status.TotalIterations <= 0 || status.IsFinished || status.State == RunState.Paused) return null;
        var done = (double)status.Iteration / status.TotalIterations;
        if (_stage == 0 && done >= UpAt)
        {
            _stage = done >= DownAt ? 2 : 1; // a run that jumped past both (a short one) ends where it began
            return _stage == 1 ? Workers + 1 : null;
        }
        if (_stage == 1 && done >= DownAt)
        {
            _stage = 2;
            return Workers;
        }
        return null;
    }
}
