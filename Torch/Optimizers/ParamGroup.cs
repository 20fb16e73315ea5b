namespace U2PL.Torch.Optimizers;

/// <summary>Parameters that share hyper-parameters (the decoder's ×10 learning rate, say).</summary>
public sealed class ParamGroup(IReadOnlyList<Tensor> parameters, double learningRate)
{
    /// <summary>The parameters of the group.</summary>
    public IReadOnlyList<Tensor> Parameters { get; } = parameters;

    /// <summary>The learning rate the next <c>step()</c> uses; a scheduler sets it.</summary>
    public double LearningRate { get; set; } = learningRate;

    /// <summary>The learning rate the group was created with (a poly schedule scales this one).</summary>
    public double InitialLearningRate { get; } = learningRate;
}
