using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using TorchSharp.Modules;
using U2PL.Segmentation.Serialization;

namespace U2PL.Grains.ParameterServer;

/// <summary>
/// The tensors of one parameter-server shard: student and teacher parameters, SGD momentum (two groups: encoder at the
/// base rate, decoder at base × multiplier, as the single-process trainer), and both models' BN buffers. A push sets
/// each parameter's gradient from the flat array, applies SGD with the poly rate of the push's global iteration, then
/// the EMA teacher — exactly the single-process update, one shard at a time.
/// </summary>
public sealed class ShardTensors : IDisposable
{
    private readonly ShardLayout _layout;
    private readonly TrainingOptions _options;
    private readonly TrainingSchedule _schedule;
    private readonly Dictionary<string, Tensor> _student = [];
    private readonly Dictionary<string, Tensor> _teacher = [];
    private readonly Dictionary<string, Tensor> _gradients = [];
    private readonly Dictionary<string, Tensor> _momentum = [];
    private readonly SGD _optimizer;

    public ShardTensors(ShardLayout layout, TrainingOptions options, TrainingSchedule schedule, DeepLabV3Plus initial)
    {
        _layout = layout;
        _options = options;
        _schedule = schedule;
        var parameters = initial.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var buffers = initial.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        using (torch.no_grad())
        {
            foreach (var entry in layout.Parameters)
            {
                _student[entry.Name] = new Parameter(parameters[entry.Name].detach().clone()).DetachFromDisposeScope();
                _teacher[entry.Name] = parameters[entry.Name].detach().clone().DetachFromDisposeScope();
                _gradients[entry.Name] = torch.zeros_like(parameters[entry.Name]).DetachFromDisposeScope();
            }
            foreach (var entry in layout.Buffers.Concat(layout.Counters))
            {
                _student[entry.Name] = buffers[entry.Name].clone().DetachFromDisposeScope();
                _teacher[entry.Name] = buffers[entry.Name].clone().DetachFromDisposeScope();
            }
        }
        var groups = new List<(IEnumerable<Tensor>, double)>();
        var groupEntries = new List<List<LayoutEntry>>();
        foreach (var decoder in new[] { false, true })
        {
            var entries = layout.Parameters.Where(p => p.IsDecoder == decoder).ToList();
            if (entries.Count == 0) continue;
            groups.Add((entries.Select(e => _student[e.Name]).ToList(),
                options.LearningRate * (decoder ? options.DecoderLearningRateMultiplier : 1)));
            groupEntries.Add(entries);
        }
        _optimizer = Sgd.Create(groups, options.Momentum, options.WeightDecay);
        var state = _optimizer.named_state().Select(s => s.buffer).ToList();
        var flat = groupEntries.SelectMany(e => e).ToList();
        for (var i = 0; i < state.Count; i++)
        {
            _momentum[flat[i].OptimizerName] = state[i];
        }
    }

    /// <summary>Gradients applied since the start (the run's), which is the shard's version.</summary>
    public long Version { get; private set; }

    /// <summary>How the parameters travel (cluster.wire).</summary>
    private WirePrecision Wire => _options.Cluster.Wire;

    /// <summary>What <see cref="IParameterServerGrain.Pull"/> answers: the parts the caller does not hold at this version.</summary>
    public ShardWeights Pull(long sinceVersion, bool teacher, long teacherAt)
    {
        var sendStudent = Version != sinceVersion;
        var sendTeacher = teacher && Version != teacherAt;
        return sendStudent || sendTeacher ? Weights(sendStudent, sendTeacher) : new ShardWeights { Version = Version };
    }

    /// <summary>The shard's weights at this version: the student and/or the teacher parameters, and both models' BN buffers.</summary>
    public ShardWeights Weights(bool includeStudent, bool includeTeacher) => new()
    {
        Version = Version,
        Student = includeStudent ? FlatTensors.GatherPacked(_layout.Parameters, Find(_student), _layout.ParameterLength, Wire) : null,
        Teacher = includeTeacher ? FlatTensors.GatherPacked(_layout.Parameters, Find(_teacher), _layout.ParameterLength, Wire) : null,
        Buffers = RawFloats.From([.. FlatTensors.Gather(_layout.Buffers, Find(_student), _layout.BufferLength), .. FlatTensors.Gather(_layout.Buffers, Find(_teacher), _layout.BufferLength)]),
        Counters = Counters(),
    };

    /// <summary>
    /// The data plane's body of a pull: the student's parameters (if asked), the teacher's (if asked), in the bytes of
    /// cluster.wire, then both models' float buffers as float32, in the layout's order; the counters travel in the answer.
    /// </summary>
    public byte[] Body(bool includeStudent, bool includeTeacher)
    {
        var parameterBytes = (int)(_layout.ParameterLength * WireCodec.BytesPerValue(Wire));
        var buffers = (int)_layout.BufferLength;
        var body = new byte[checked(((includeStudent ? parameterBytes : 0) + (includeTeacher ? parameterBytes : 0)) + 2L * buffers * sizeof(float))];
        var at = 0;
        foreach (var (included, model) in new[] { (includeStudent, _student), (includeTeacher, _teacher) })
        {
            if (!included) continue;
            FlatTensors.GatherEncoded(_layout.Parameters, Find(model), _layout.ParameterLength, body.AsSpan(at, parameterBytes), Wire);
            at += parameterBytes;
        }
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(body.AsSpan(at));
        FlatTensors.GatherInto(_layout.Buffers, Find(_student), floats[..buffers]);
        FlatTensors.GatherInto(_layout.Buffers, Find(_teacher), floats.Slice(buffers, buffers));
        return body;
    }

    /// <summary>num_batches_tracked of the student, then of the teacher.</summary>
    public long[] Counters() =>
        [.. FlatTensors.GatherCounters(_layout.Counters, n => _student[n], _layout.CounterLength), .. FlatTensors.GatherCounters(_layout.Counters, n => _teacher[n], _layout.CounterLength)];

    /// <summary>
    /// A push whose gradient (in the bytes of cluster.wire) and buffer delta (float32) came as one data-plane body,
    /// gradient first, as if they had come in the call.
    /// </summary>
    public GradientPush Landed(GradientPush push, ReadOnlySpan<byte> body)
    {
        var gradientBytes = checked((int)(_layout.ParameterLength * WireCodec.BytesPerValue(Wire)));
        var bufferBytes = checked((int)(2 * _layout.BufferLength * sizeof(float)));
        if (body.Length != gradientBytes + bufferBytes)
        {
            throw new ArgumentException($"{push.Body}: {body.Length} bytes, the shard's gradient and buffers are {gradientBytes + bufferBytes}");
        }
        return push with
        {
            Gradient = new PackedTensors { Bytes = body[..gradientBytes].ToArray(), Half = Wire == WirePrecision.Fp16, BFloat16 = Wire == WirePrecision.Bf16 },
            BufferDelta = new RawFloats { Bytes = body[gradientBytes..].ToArray() },
            Body = null,
        };
    }

    /// <summary>SGD (scaled by <paramref name="scale"/>), then the teacher (reset first in the first semi epoch, EMA in the semi phase), then the buffer deltas.</summary>
    public void Apply(GradientPush push, double scale)
    {
        ReadOnlySpan<float> gradient = push.Gradient.IsFloat32 ? FlatTensors.Floats(push.Gradient) : FlatTensors.Unpack(push.Gradient);
        if (gradient.Length != _layout.ParameterLength)
        {
            throw new ArgumentException($"the gradient has {gradient.Length} values, the shard holds {_layout.ParameterLength}");
        }
        using var scope = torch.NewDisposeScope();
        using var factor = scale.ToScalar(); // held through the native calls (Sgd.step_with_live_scalars)
        for (var i = 0; i < _layout.Parameters.Count; i++)
        {
            var entry = _layout.Parameters[i];
            var target = _gradients[entry.Name];
            FlatTensors.CopyIn(target, gradient.Slice((int)entry.Offset, (int)entry.Length));
            if (scale != 1)
            {
                target.mul_(factor);
            }
        }
        Step(push.Iteration, push.Semi, push.ResetTeacher, push.NoGradient);
        using (torch.no_grad())
        {
            AddDeltas(push.BufferDelta.Span, push.CounterDelta);
        }
    }

    /// <summary>Sync mode: step t from its micro-batches' combined update (<see cref="SyncStepBarrier"/>); the version becomes t + 1.</summary>
    public void Apply(CombinedStep step)
    {
        if (step.Gradient.numel() != _layout.ParameterLength || step.BufferDelta.numel() != 2 * _layout.BufferLength)
        {
            throw new ArgumentException($"step {step.Iteration}: {step.Gradient.numel()} gradient and {step.BufferDelta.numel()} buffer values, the shard holds {_layout.ParameterLength} and {2 * _layout.BufferLength}");
        }
        if (step.Iteration != Version)
        {
            throw new InvalidOperationException($"step {step.Iteration} cannot be applied to version {Version}");
        }
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad())
        {
            foreach (var entry in _layout.Parameters)
            {
                _gradients[entry.Name].copy_(step.Gradient.narrow(0, entry.Offset, entry.Length).view(entry.Shape));
            }
        }
        Step(step.Iteration, step.Semi, step.ResetTeacher, step.NoGradient);
        using (torch.no_grad())
        {
            AddDeltas(step.BufferDelta.data<float>().ToArray(), step.CounterDelta);
        }
    }

    /// <summary>The teacher reset (first semi epoch), SGD at the iteration's poly rate on the gradients in place, the EMA teacher; the version moves on.</summary>
    private void Step(long iteration, bool semi, bool resetTeacher, int[] noGradient)
    {
        var missing = noGradient.ToHashSet();
        for (var i = 0; i < _layout.Parameters.Count; i++)
        {
            var entry = _layout.Parameters[i];
            // A parameter the step did not reach (the representation head in the warm-up) is skipped by SGD, as in PyTorch.
            _student[entry.Name].grad = missing.Contains(i) ? null : _gradients[entry.Name];
        }
        using (torch.no_grad())
        {
            if (resetTeacher)
            {
                ShardTeacherStep.Reset(_layout, _student, _teacher);
            }
            PolyLearningRate.Apply(_optimizer, iteration, _schedule.TotalIterations, _options.PolyPower);
            _optimizer.step_with_live_scalars();
            if (semi)
            {
                ShardTeacherStep.Ema(_layout, _student, _teacher, EmaTeacher.Decay(iteration, _schedule.WarmupIterations, _options.Method.EmaDecay));
            }
        }
        Version++;
    }

    private void AddDeltas(ReadOnlySpan<float> bufferDelta, long[] counterDelta)
    {
        using var one = 1.ToScalar(); // add_(t) and add_(s) would pass an implicit alpha (README, "Implicit Scalars")
        var length = (int)_layout.BufferLength;
        if (bufferDelta.Length == 2 * length)
        {
            foreach (var (models, offset) in new[] { (_student, 0), (_teacher, length) })
            {
                foreach (var entry in _layout.Buffers)
                {
                    using var delta = bufferDelta.Slice(offset + (int)entry.Offset, (int)entry.Length).ToTensor(entry.Shape);
                    models[entry.Name].add_(delta, alpha: one);
                }
            }
        }
        var counters = (int)_layout.CounterLength;
        if (counterDelta.Length == 2 * counters)
        {
            foreach (var (models, offset) in new[] { (_student, 0), (_teacher, counters) })
            {
                foreach (var entry in _layout.Counters)
                {
                    using var count = counterDelta[offset + (int)entry.Offset].ToScalar();
                    models[entry.Name].add_(count, alpha: one);
                }
            }
        }
    }

    /// <summary>The shard's part of a training checkpoint: <c>student.*</c>, <c>teacher.*</c>, <c>optimizer.*</c>.</summary>
    public ShardState Export()
    {
        var tensors = new List<NamedTensor>();
        foreach (var entry in _layout.Parameters.Concat(_layout.Buffers).Concat(_layout.Counters))
        {
            tensors.Add(Named("student." + entry.Name, _student[entry.Name]));
            tensors.Add(Named("teacher." + entry.Name, _teacher[entry.Name]));
        }
        foreach (var entry in _layout.Parameters)
        {
            tensors.Add(Named("optimizer." + entry.OptimizerName, _momentum[entry.OptimizerName]));
        }
        return new ShardState { Version = Version, Tensors = tensors };
    }

    /// <summary>Loads the shard's tensors from a training checkpoint (written by the cluster or by <c>u2pl train</c>).</summary>
    public void Restore(SafeTensorsReader reader, long version)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var entry in _layout.Parameters.Concat(_layout.Buffers).Concat(_layout.Counters))
        {
            _student[entry.Name].copy_(reader.ReadTensor("student." + entry.Name));
            _teacher[entry.Name].copy_(reader.ReadTensor("teacher." + entry.Name));
        }
        foreach (var entry in _layout.Parameters)
        {
            _momentum[entry.OptimizerName].copy_(reader.ReadTensor("optimizer." + entry.OptimizerName));
        }
        Version = version;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var tensor in _student.Values.Concat(_teacher.Values).Concat(_gradients.Values))
        {
            tensor.Dispose();
        }
    }

    private static Func<string, Tensor?> Find(Dictionary<string, Tensor> tensors) => name => tensors[name];

    private static NamedTensor Named(string name, Tensor tensor) => tensor.dtype == ScalarType.Int64
        ? new NamedTensor { Name = name, Shape = tensor.shape, Int64 = tensor.ToArray<long>() }
        : new NamedTensor { Name = name, Shape = tensor.shape, Single = RawFloats.From(tensor.ToArray<float>()) };
}
