namespace U2PL.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Parameter initialisation, as <c>torch.nn.init</c>; every function writes in place without recording grad.</summary>
        public static class init
        {
            /// <summary>Which fan a Kaiming initialisation preserves.</summary>
            public enum FanMode
            {
                FanIn,
                FanOut,
            }

            public static Tensor uniform_(Tensor tensor, double from, double to)
            {
                using var _ = no_grad();
                return tensor.uniform_(from, to);
            }

            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1)
            {
                using var _ = no_grad();
                return tensor.normal_(mean, std);
            }

            public static Tensor constant_(Tensor tensor, double value)
            {
                using var _ = no_grad();
                return tensor.fill_(value);
            }

            public static Tensor zeros_(Tensor tensor) => constant_(tensor, 0);

            public static Tensor ones_(Tensor tensor) => constant_(tensor, 1);

            /// <summary>N(0, std²) with std = gain / sqrt(fan), gain = sqrt(2 / (1 + a²)) (ReLU when a = 0).</summary>
            public static Tensor kaiming_normal_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn)
            {
                var std = Math.Sqrt(2.0 / (1 + a * a)) / Math.Sqrt(Fan(tensor, mode));
                return normal_(tensor, 0, std);
            }

            /// <summary>U(-b, b) with b = gain · sqrt(3 / fan); PyTorch's default for conv weights uses a = sqrt(5).</summary>
            public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn)
            {
                var bound = Math.Sqrt(2.0 / (1 + a * a)) * Math.Sqrt(3.0 / Fan(tensor, mode));
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>fan_in = in_channels · receptive field; fan_out = out_channels · receptive field.</summary>
            public static long Fan(Tensor tensor, FanMode mode)
            {
                var shape = tensor.shape;
                if (shape.Length < 2)
                {
                    throw new ArgumentException("fan needs a tensor with at least 2 dimensions", nameof(tensor));
                }
                var receptive = 1L;
                for (var i = 2; i < shape.Length; i++)
                {
                    receptive *= shape[i];
                }
                return (mode == FanMode.FanIn ? shape[1] : shape[0]) * receptive;
            }
        }
    }
}
