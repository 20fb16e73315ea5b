using static TorchSharp.torch;

namespace U2PL.Segmentation.Models;

/// <summary>
/// Where a model's Dropout2d layers draw their masks: the generator of the micro-batch being computed while one is in
/// use (<see cref="Use"/>), else libtorch's default generator. A micro-batch's masks must follow from its key
/// (seed, iteration, micro-batch), never from a generator that concurrent workers of one process share.
/// </summary>
public sealed class DropoutRandomness
{
    /// <summary>The generator the masks come from now; null: libtorch's default one.</summary>
    public Generator? Generator { get; private set; }

    /// <summary>Draws the masks from <paramref name="generator"/> until the returned scope is disposed.</summary>
    public IDisposable Use(Generator generator)
    {
        var previous = Generator;
        Generator = generator;
        return new Scope(this, previous);
    }

    private sealed class Scope(DropoutRandomness owner, Generator? previous) : IDisposable
    {
        public void Dispose() => owner.Generator = previous;
    }
}
