using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Training;

/// <summary>
/// One step of <c>u2pl train</c> as M micro-batches (trainer.micro_batches), the reference a sync cluster run equals:
/// each micro-batch starts from the step's weights, BN statistics and memory banks; its gradient and BN-statistics
/// delta are averaged with the others in micro-batch order (<see cref="MicroBatchMean"/>); then SGD with poly decay,
/// the EMA teacher, and the step's negatives enqueued in micro-batch order — what a sync parameter-server shard and
/// the bank grains do with the same micro-batches computed on workers.
/// </summary>
public sealed class MicroBatchedStep : IDisposable
{
    private readonly DeepLabV3Plus _student;
    private readonly EmaTeacher _teacher;
    private readonly SGD _optimizer;
    private readonly StepMemoryBank[] _banks;
    private readonly TrainingOptions _options;
    private readonly TrainingSchedule _schedule;
    private readonly U2plStep _step;
    private readonly Parameter[] _parameters;
    private readonly BatchNormBuffers _studentBuffers;
    private readonly BatchNormBuffers _teacherBuffers;

    public MicroBatchedStep(DeepLabV3Plus student, EmaTeacher teacher, SGD optimizer, IReadOnlyList<ClassMemoryBank> banks,
        TrainingOptions options, TrainingSchedule schedule)
    {
        _student = student;
        _teacher = teacher;
        _optimizer = optimizer;
        _options = options;
        _schedule = schedule;
        _banks = banks.Select(bank => new StepMemoryBank(bank)).ToArray();
        _step = new U2plStep(student, teacher, new BackwardOnlyUpdate(student, options, schedule), _banks, options.Method, schedule, options.Seed);
        _parameters = student.parameters().ToArray();
        _studentBuffers = new BatchNormBuffers(student);
        _teacherBuffers = new BatchNormBuffers(teacher.Teacher);
    }

    public StepMetrics Run(LabeledBatch labeled, UnlabeledBatch? unlabeled, long iteration)
    {
        var microBatches = _options.MicroBatches;
        using var scope = torch.NewDisposeScope();
        using var gradients = new MicroBatchMean(microBatches);
        using var statistics = new MicroBatchMean(microBatches);
        var studentStart = _studentBuffers.Snapshot();
        var teacherStart = _teacherBuffers.Snapshot();
        var counters = new long[studentStart.Counters.Length + teacherStart.Counters.Length];
        var reached = new bool[_parameters.Length];
        var parts = new List<StepMetrics>(microBatches);
        for (var m = 0; m < microBatches; m++)
        {
            _studentBuffers.Restore(studentStart);
            _teacherBuffers.Restore(teacherStart);
            foreach (var bank in _banks) bank.Begin(m);
            parts.Add(_step.Run(labeled.MicroBatch(m, microBatches), unlabeled?.MicroBatch(m, microBatches), iteration, m));
            gradients.Add(Gradients(reached));
            statistics.Add([.. _studentBuffers.Delta(studentStart), .. _teacherBuffers.Delta(teacherStart)]);
            var moved = _studentBuffers.CounterDelta(studentStart).Concat(_teacherBuffers.CounterDelta(teacherStart)).ToArray();
            for (var i = 0; i < counters.Length; i++) counters[i] += moved[i];
        }
        var metrics = StepMetrics.Combine(parts);
        Apply(gradients.Mean(), reached, iteration, _step.IsSemi(iteration, unlabeled is not null));
        var mean = statistics.Mean();
        var studentCount = studentStart.Floats.Length;
        _studentBuffers.Restore(studentStart, mean.Take(studentCount).ToArray(), counters[..studentStart.Counters.Length].Select(c => c / microBatches).ToArray());
        _teacherBuffers.Restore(teacherStart, mean.Skip(studentCount).ToArray(), counters[studentStart.Counters.Length..].Select(c => c / microBatches).ToArray());
        foreach (var bank in _banks) bank.Commit();
        return metrics;
    }

    /// <summary>The micro-batch's gradients (zeros where the step did not reach a parameter), noting which it reached.</summary>
    private Tensor[] Gradients(bool[] reached)
    {
        var gradients = new Tensor[_parameters.Length];
        for (var i = 0; i < _parameters.Length; i++)
        {
            var gradient = _parameters[i].grad;
            reached[i] |= gradient is not null;
            gradients[i] = gradient ?? torch.zeros_like(_parameters[i]);
        }
        return gradients;
    }

    /// <summary>SGD with the iteration's poly rate on the mean gradient (PyTorch skips a parameter no micro-batch reached), then EMA.</summary>
    private void Apply(IReadOnlyList<Tensor> gradients, bool[] reached, long iteration, bool semi)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].grad = reached[i] ? gradients[i] : null;
        }
        PolyLearningRate.Apply(_optimizer, iteration, _schedule.TotalIterations, _options.PolyPower);
        _optimizer.step_with_live_scalars();
        foreach (var parameter in _parameters) parameter.grad = null;
        if (semi)
        {
            _teacher.Update(_teacher.Decay(iteration, _schedule.WarmupIterations));
        }
    }

    public void Dispose()
    {
        foreach (var bank in _banks) bank.Dispose();
    }
}
