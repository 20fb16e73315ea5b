using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A tensor weight file (safetensors or a <c>torch.save</c> checkpoint) is malformed or uses something this reader
/// does not support. The message always starts with the file's path.
/// </summary>
public sealed class TensorFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/> with a description of the problem.</summary>
    public TensorFileException(string filePath, string problem, Exception? innerException = null)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file that could not be read or written.</summary>
    public string FilePath { get; }

    /// <summary>The problem, without the file path.</summary>
    public string Problem { get; }
}
