namespace U2PL.Segmentation.Training;

/// <summary><c>trainer.device</c> names a device this build or this machine does not have (CUDA on a CPU build, a GPU index past the visible ones).</summary>
public sealed class DeviceUnavailableException(string message) : InvalidOperationException(message);
