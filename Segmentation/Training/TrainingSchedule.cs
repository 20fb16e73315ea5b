namespace U2PL.Segmentation.Training;

/// <summary>
/// Where a global iteration falls: epoch, warm-up or semi-supervised phase. Everything that decays (αt, poly lr, EMA
/// decay) is a function of the global iteration, so it stays right however the iterations are spread over workers.
/// </summary>
public sealed record TrainingSchedule(long StepsPerEpoch, int Epochs, int SupervisedOnlyEpochs)
{
    public long TotalIterations => StepsPerEpoch * Epochs;

    public long WarmupIterations => StepsPerEpoch * SupervisedOnlyEpochs;

    public int EpochOf(long iteration) => (int)Math.Min(Epochs - 1, iteration / StepsPerEpoch);

    public bool IsWarmup(long iteration) => EpochOf(iteration) < SupervisedOnlyEpochs;

    /// <summary>The first semi-supervised epoch resets the teacher to the student before each step.</summary>
    public bool IsFirstSemiEpoch(long iteration) => EpochOf(iteration) == SupervisedOnlyEpochs;
}
