using U2PL.Torch.Optimizers;

namespace U2PL.Torch;

public static partial class torch
{
    /// <summary>Optimizers, as <c>torch.optim</c>.</summary>
    public static class optim
    {
        public static SGD SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double weight_decay = 0) =>
            new(parameters, lr, momentum, weight_decay);

        public static SGD SGD(IReadOnlyList<ParamGroup> groups, double momentum = 0, double weight_decay = 0) =>
            new(groups, momentum, weight_decay);
    }
}
