using U2PL.Segmentation.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// The teacher θt as an exponential moving average of the student's parameters (not its buffers: the teacher's batch
/// statistics come from its own train-mode forwards), as the official code: the teacher starts after the supervised
/// warm-up; during the first semi-supervised epoch it is reset to the student before each step; the decay after the
/// step at iteration t is min(1 - 1/(t - t_warm + 1), max decay).
/// </summary>
public sealed class EmaTeacher(DeepLabV3Plus student, DeepLabV3Plus teacher, double maxDecay = 0.99)
{
    private readonly Tensor[] _studentParameters = student.parameters().ToArray();
    private readonly Tensor[] _teacherParameters = teacher.parameters().ToArray();

    public DeepLabV3Plus Teacher { get; } = teacher;

    /// <summary>min(1 - 1/(t - t_warm + 1), max decay) for global iteration t (0-based) and warm-up length t_warm.</summary>
    public double Decay(long iteration, long warmupIterations) => Decay(iteration, warmupIterations, maxDecay);

    /// <summary>The same, for a holder of the teacher without the models (a parameter-server shard).</summary>
    public static double Decay(long iteration, long warmupIterations, double maxDecay) =>
        Math.Min(1 - 1.0 / (iteration - warmupIterations + 1), maxDecay);

    /// <summary>θt ← θs (the first semi-supervised epoch does this before each step).</summary>
    public void ResetToStudent()
    {
        using var _ = torch.no_grad();
        for (var i = 0; i < _teacherParameters.Length; i++)
        {
            _teacherParameters[i].copy_(_studentParameters[i]);
        }
    }

    /// <summary>θt ← decay·θt + (1 - decay)·θs.</summary>
    public void Update(double decay)
    {
        using var _ = torch.no_grad();
        // lerp_(t, double) makes this tensor too; held here (Sgd.step_with_live_scalars)
        using var weight = torch.tensor(1 - decay);
        for (var i = 0; i < _teacherParameters.Length; i++)
        {
            _teacherParameters[i].lerp_(_studentParameters[i], weight);
        }
    }
}
