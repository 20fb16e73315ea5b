using U2PL.Segmentation.Method;

namespace U2PL.Segmentation.Training;

/// <summary>The method's settings (official config keys in the comments).</summary>
public sealed record MethodOptions
{
    /// <summary>Total epochs (trainer.epochs): αt and the poly schedule run over them.</summary>
    public int Epochs { get; init; } = 80;

    /// <summary>Supervised warm-up epochs before the teacher and the unsupervised losses start (trainer.sup_only_epoch).</summary>
    public int SupervisedOnlyEpochs { get; init; } = 1;

    /// <summary>α0, the initial share of unreliable pixels (100 - trainer.unsupervised.drop_percent, as a fraction).</summary>
    public double Alpha0 { get; init; } = 0.2;

    /// <summary>η of Eq. 8.</summary>
    public double Eta { get; init; } = 1;

    /// <summary>Weight of Lu (trainer.unsupervised.loss_weight).</summary>
    public double UnsupervisedWeight { get; init; } = 1;

    /// <summary>Probability of applying CutMix to a step's unlabeled batch (trainer.unsupervised.apply_aug: cutmix).</summary>
    public double CutMixProbability { get; init; } = 0.5;

    /// <summary>Lc on or off (trainer.contrastive present or not): off gives "U2PL without Lc".</summary>
    public bool Contrastive { get; init; } = true;

    public ContrastiveOptions ContrastiveOptions { get; init; } = new();

    /// <summary>Supervised loss (criterion): cross-entropy, or OHEM for Cityscapes.</summary>
    public SupervisedLoss SupervisedLoss { get; init; } = new();

    /// <summary>Maximum EMA decay (net.ema_decay).</summary>
    public double EmaDecay { get; init; } = 0.99;

    /// <summary>Semi-supervised at all: false trains SupOnly (labeled data only, the student evaluated).</summary>
    public bool SemiSupervised { get; init; } = true;

    public IReadOnlyList<string> Validate(int numClasses)
    {
        var problems = new List<string>();
        if (Epochs < 1) problems.Add($"trainer.epochs must be at least 1, got {Epochs}");
        if (SupervisedOnlyEpochs < 0 || SupervisedOnlyEpochs > Epochs) problems.Add($"trainer.sup_only_epoch must be in 0..epochs ({Epochs}), got {SupervisedOnlyEpochs}");
        if (Alpha0 is < 0 or > 1) problems.Add($"the initial unreliable share α0 must be in [0, 1] (drop_percent in [0, 100]), got {Alpha0}");
        if (Eta < 0) problems.Add($"η must be non-negative, got {Eta}");
        if (UnsupervisedWeight < 0) problems.Add($"trainer.unsupervised.loss_weight must be non-negative, got {UnsupervisedWeight}");
        if (CutMixProbability is < 0 or > 1) problems.Add($"the CutMix probability must be in [0, 1], got {CutMixProbability}");
        if (EmaDecay is < 0 or > 1) problems.Add($"net.ema_decay must be in [0, 1], got {EmaDecay}");
        if (Contrastive) problems.AddRange(ContrastiveOptions.Validate(numClasses));
        return problems;
    }
}
