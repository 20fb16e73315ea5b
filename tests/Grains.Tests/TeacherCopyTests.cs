using TorchSharp;
using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Grains.ParameterServer;
using U2PL.Grains.Worker;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using static TorchSharp.torch;

namespace U2PL.Grains.Tests;

/// <summary>
/// A worker's <see cref="TeacherCopy"/> against a real <see cref="ShardTensors"/>: after its own accepted gradient the
/// worker repeats the shard's teacher step instead of pulling the teacher, and holds bit for bit the shard's teacher;
/// when another worker's gradient came in between, the shard sends its teacher.
/// </summary>
public sealed class TeacherCopyTests
{
    private const string Config = """
        seed: 3
        dataset: { type: synthetic, synthetic: { train_count: 8, val_count: 2, height: 32, width: 32 }, labeled: 4, batch_size: 2 }
        net: { arch: resnet18, output_stride: 16, ema_decay: 0.99 }
        trainer: { epochs: 4, sup_only_epoch: 1, optimizer: { kwargs: { lr: 0.01 } } }
        """;

    [Fact]
    public void A_worker_alone_repeats_the_shards_teacher_step_and_pulls_the_teacher_only_after_another_workers_gradient()
    {
        var options = RunModel.Options(Config);
        var schedule = new TrainingSchedule(3, options.Method.Epochs, options.Method.SupervisedOnlyEpochs);
        using var initial = RunModel.InitialStudent(options);
        var layout = ShardLayout.Split(initial, 2)[1];
        using var shard = new ShardTensors(layout, options, schedule, initial);
        using var student = new DeepLabV3Plus(options.Model);
        using var teacher = new DeepLabV3Plus(options.Model);
        var studentTensors = student.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var teacherTensors = teacher.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var copy = new TeacherCopy(layout, studentTensors, teacherTensors);
        var random = new Random(7);
        long version = -1;

        ShardWeights Pull()
        {
            var reply = shard.Pull(version, teacher: true, copy.CurrentAt);
            if (reply.Student is { } pulled) FlatTensors.ScatterPacked(layout.Parameters, n => studentTensors[n], pulled);
            copy.Received(reply);
            version = reply.Version;
            return reply;
        }

        GradientPush Gradient(long iteration, long baseVersion) => new()
        {
            WorkerKey = "w", BaseVersion = baseVersion, Iteration = iteration, Semi = true, ResetTeacher = schedule.IsFirstSemiEpoch(iteration),
            Gradient = FlatTensors.Pack(Enumerable.Range(0, (int)layout.ParameterLength).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray(), half: false),
        };

        Assert.NotNull(Pull().Teacher); // the first pull brings the shard's teacher
        // Iterations 3 to 5 are the first semi epoch (teacher reset to the student first), 6 and 7 the EMA alone.
        for (var iteration = 3L; iteration < 8; iteration++)
        {
            var push = Gradient(iteration, version);
            shard.Apply(push, scale: 1);
            copy.Pushed(new PushOutcome { Accepted = true, Version = shard.Version }, push.BaseVersion, push.ResetTeacher,
                EmaTeacher.Decay(iteration, schedule.WarmupIterations, options.Method.EmaDecay));
            var reply = Pull();
            Assert.Null(reply.Teacher);
            Assert.NotNull(reply.Student);
            Assert.Equal(Teacher(shard), Gather(layout, teacherTensors)); // bit for bit
        }

        // Another worker's gradient lands before this worker's: the versions do not line up, so the teacher travels.
        var mine = Gradient(8, version);
        shard.Apply(Gradient(8, version) with { WorkerKey = "other" }, scale: 1);
        shard.Apply(mine, scale: 1);
        copy.Pushed(new PushOutcome { Accepted = true, Version = shard.Version }, mine.BaseVersion, resetTeacher: false, decay: 0.99);
        Assert.NotNull(Pull().Teacher);
        Assert.Equal(Teacher(shard), Gather(layout, teacherTensors));

        // A rejected gradient moves nothing, and the next pull sends the teacher again (the copy cannot vouch for itself).
        copy.Pushed(new PushOutcome { Accepted = false, Version = shard.Version }, version, resetTeacher: false, decay: 0.99);
        Assert.NotNull(Pull().Teacher);
    }

    private static float[] Teacher(ShardTensors shard) =>
        FlatTensors.Floats(shard.Weights(includeStudent: false, includeTeacher: true).Teacher!).ToArray();

    private static float[] Gather(ShardLayout layout, Dictionary<string, Tensor> tensors) =>
        FlatTensors.Gather(layout.Parameters, n => tensors[n], layout.ParameterLength);
}
