namespace U2PL.Segmentation.Method;

/// <summary>Eq. 7: αt = α0 · (1 - t / total epochs), the share of pixels treated as unreliable at epoch t.</summary>
public static class DynamicPartitionAdjustment
{
    public static double Alpha(double alpha0, int epoch, int totalEpochs)
    {
        if (totalEpochs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, "total epochs must be positive");
        }
        return alpha0 * (1 - Math.Clamp((double)epoch / totalEpochs, 0, 1));
    }
}
