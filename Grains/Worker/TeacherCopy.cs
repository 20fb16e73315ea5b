using U2PL.Contracts;
using U2PL.Grains.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Worker;

/// <summary>
/// A worker's copy of one shard's teacher parameters, and the version of the shard it is current at. The teacher moves
/// every semi-supervised step, and pulling it beside the student doubled what a one-worker run moves per step. When the
/// shard applied this worker's gradient and nothing else since the worker's pull, the worker repeats the shard's
/// teacher step itself (reset to the student in the first semi epoch, then the EMA lerp of
/// <see cref="ParameterServer.ShardTensors.Apply(GradientPush, double)"/> on the same values) and pulls only the student. With several
/// workers the version has usually moved by other gradients too, and the shard sends its teacher as before. The
/// shard's teacher stays the one checkpoints and evaluations read.
/// </summary>
public sealed class TeacherCopy(ShardLayout layout, IReadOnlyDictionary<string, Tensor> student, IReadOnlyDictionary<string, Tensor> teacher)
{
    private long _currentAt = -1;
    private Advance? _pending;

    /// <summary>The version the copy is current at, or will be once the pending step is repeated; -1 when it is not known.</summary>
    public long CurrentAt => _pending?.Version ?? _currentAt;

    /// <summary>Whether the copy ever came from the shard (the warm-up's teacher forward needs the shard's, once).</summary>
    public bool Pulled { get; private set; }

    /// <summary>
    /// After this worker's push on <paramref name="baseVersion"/>: if the shard took exactly this gradient, remember its
    /// teacher step (and reset to the student now, while the student is still the one the gradient was computed on).
    /// </summary>
    public void Pushed(PushOutcome outcome, long baseVersion, bool resetTeacher, double? decay)
    {
        _pending = null;
        if (outcome.Accepted && outcome.Version == baseVersion + 1 && _currentAt == baseVersion)
        {
            if (resetTeacher) ShardTeacherStep.Reset(layout, student, teacher);
            _pending = new Advance(outcome.Version, decay);
        }
        else
        {
            _currentAt = -1; // the step itself may have reset the local teacher (first semi epoch)
        }
    }

    /// <summary>After a push whose outcome is unknown (its wait was cut, or it failed): the copy is current at no known version.</summary>
    public void Forget()
    {
        _pending = null;
        _currentAt = -1;
    }

    /// <summary>
    /// After a pull, with the reply's student already in place: take the teacher the shard sent, or repeat the
    /// pending step when the shard is at the version it leads to. Returns the teacher bytes received.
    /// </summary>
    public long Received(ShardWeights reply)
    {
        var pending = _pending;
        _pending = null;
        if (reply.Teacher is { } pulled)
        {
            FlatTensors.ScatterPacked(layout.Parameters, n => teacher[n], pulled);
            _currentAt = reply.Version;
            Pulled = true;
            return pulled.Bytes.LongLength;
        }
        if (pending is not null && reply.Version == pending.Version)
        {
            if (pending.Decay is { } decay) ShardTeacherStep.Ema(layout, student, teacher, decay);
            _currentAt = reply.Version;
        }
        else if (reply.Version != _currentAt)
        {
            _currentAt = -1;
        }
        return 0;
    }

    /// <summary>The shard's teacher step for this worker's gradient: the version it reached, and the EMA decay (semi-supervised only).</summary>
    private sealed record Advance(long Version, double? Decay);
}
