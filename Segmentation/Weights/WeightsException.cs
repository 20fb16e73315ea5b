namespace U2PL.Segmentation.Weights;

/// <summary>A weights file that cannot be used: unreadable, of another model, or with missing or mis-shaped tensors.</summary>
public sealed class WeightsException(string message, Exception? innerException = null) : Exception(message, innerException);
