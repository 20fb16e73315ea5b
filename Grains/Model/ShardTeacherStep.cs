using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Model;

/// <summary>
/// The teacher step on one shard's parameters: the first semi-supervised epoch's reset to the student, and the EMA
/// lerp toward the student. The parameter server applies it (<c>ShardTensors</c>), and a worker that repeats it to hold
/// the shard's teacher without pulling it (<c>TeacherCopy</c>, <c>SyncWorkerSession</c>) calls the same code, so that
/// the same op on the same values gives the same teacher bit for bit.
/// </summary>
public static class ShardTeacherStep
{
    /// <summary>θt ← θs.</summary>
    public static void Reset(ShardLayout layout, IReadOnlyDictionary<string, Tensor> student, IReadOnlyDictionary<string, Tensor> teacher)
    {
        using var _ = torch.no_grad();
        foreach (var entry in layout.Parameters) teacher[entry.Name].copy_(student[entry.Name]);
    }

    /// <summary>θt ← decay · θt + (1 − decay) · θs.</summary>
    public static void Ema(ShardLayout layout, IReadOnlyDictionary<string, Tensor> student, IReadOnlyDictionary<string, Tensor> teacher, double decay)
    {
        using var _ = torch.no_grad();
        // lerp_(t, double) would make this tensor too, owned by no one; held here (README, "Implicit Scalars")
        using var weight = torch.tensor(1 - decay);
        foreach (var entry in layout.Parameters) teacher[entry.Name].lerp_(student[entry.Name], weight);
    }
}
