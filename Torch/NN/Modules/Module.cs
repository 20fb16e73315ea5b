namespace U2PL.Torch.Modules;

/// <summary>
/// A layer or model, as PyTorch's <c>nn.Module</c>: ordered parameters, buffers and children with dotted names
/// (<c>layer1.0.conv1.weight</c>), train/eval mode, state dicts. The module owns its tensors and disposes them.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private bool _disposed;

    /// <summary>True in training mode (dropout active, batch norm uses and updates batch statistics).</summary>
    public bool training { get; private set; } = true;

    /// <summary>Registers a learnable tensor; the module takes ownership and turns on requires_grad.</summary>
    protected Tensor register_parameter(string name, Tensor tensor)
    {
        tensor.DetachFromDisposeScope();
        tensor.requires_grad = true;
        _parameters.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers a non-learnable tensor that belongs to the state (running statistics, say).</summary>
    protected Tensor register_buffer(string name, Tensor tensor)
    {
        tensor.DetachFromDisposeScope();
        _buffers.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers a child module under <paramref name="name"/>.</summary>
    protected T register_module<T>(string name, T module) where T : Module
    {
        _children.Add(new(name, module));
        return module;
    }

    /// <summary>Parameters of this module and its descendants with dotted names, in registration order.</summary>
    public IEnumerable<(string name, Tensor parameter)> named_parameters()
    {
        foreach (var (prefix, module) in named_modules())
        {
            foreach (var (name, parameter) in module._parameters)
            {
                yield return (Join(prefix, name), parameter);
            }
        }
    }

    /// <summary>Parameters of this module and its descendants.</summary>
    public IEnumerable<Tensor> parameters() => named_parameters().Select(entry => entry.parameter);

    /// <summary>Buffers of this module and its descendants with dotted names.</summary>
    public IEnumerable<(string name, Tensor buffer)> named_buffers()
    {
        foreach (var (prefix, module) in named_modules())
        {
            foreach (var (name, buffer) in module._buffers)
            {
                yield return (Join(prefix, name), buffer);
            }
        }
    }

    /// <summary>Direct children.</summary>
    public IEnumerable<(string name, Module module)> named_children() => _children.Select(child => (child.Key, child.Value));

    /// <summary>This module (with an empty name) and every descendant, depth first.</summary>
    public IEnumerable<(string name, Module module)> named_modules()
    {
        yield return ("", this);
        foreach (var (childName, child) in _children)
        {
            foreach (var (name, module) in child.named_modules())
            {
                yield return (Join(childName, name), module);
            }
        }
    }

    /// <summary>Number of learnable scalars.</summary>
    public long parameter_count() => parameters().Sum(parameter => parameter.numel());

    /// <summary>Sets training mode on this module and its descendants.</summary>
    public Module train(bool mode = true)
    {
        foreach (var (_, module) in named_modules())
        {
            module.training = mode;
        }
        return this;
    }

    /// <summary>Sets evaluation mode.</summary>
    public Module eval() => train(false);

    /// <summary>
    /// Parameters and buffers by dotted name, in PyTorch's order (each module's parameters, then its buffers, then its
    /// children). The tensors are the module's own, not copies: do not dispose them.
    /// </summary>
    public Dictionary<string, Tensor> state_dict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (prefix, module) in named_modules())
        {
            foreach (var (name, tensor) in module._parameters.Concat(module._buffers))
            {
                state[Join(prefix, name)] = tensor;
            }
        }
        return state;
    }

    /// <summary>
    /// Copies <paramref name="source"/> into this module's tensors. Strict: a missing key, an unexpected key or a shape
    /// mismatch fails with every problem listed and nothing copied.
    /// </summary>
    public void load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        var state = state_dict();
        var problems = new List<string>();
        foreach (var (name, tensor) in state)
        {
            if (!source.TryGetValue(name, out var value))
            {
                if (strict)
                {
                    problems.Add($"missing key '{name}'");
                }
                continue;
            }
            var expected = tensor.shape;
            var actual = value.shape;
            if (!expected.SequenceEqual(actual))
            {
                problems.Add($"shape mismatch for '{name}': the model has [{string.Join(", ", expected)}], the weights have [{string.Join(", ", actual)}]");
            }
        }
        if (strict)
        {
            problems.AddRange(source.Keys.Where(key => !state.ContainsKey(key)).Select(key => $"unexpected key '{key}'"));
        }
        if (problems.Count > 0)
        {
            throw new StateDictException(problems);
        }

        using var _ = torch.no_grad();
        foreach (var (name, tensor) in state)
        {
            if (source.TryGetValue(name, out var value))
            {
                tensor.copy_(value);
            }
        }
    }

    /// <summary>Moves every parameter and buffer to <paramref name="device"/>, keeping their handles.</summary>
    public Module to(Device device)
    {
        torch.EnsureAvailable(device);
        using var _ = torch.no_grad();
        foreach (var tensor in state_dict().Values)
        {
            using var moved = tensor.to(device);
            tensor.set_data(moved);
        }
        return this;
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void zero_grad()
    {
        foreach (var parameter in parameters())
        {
            parameter.grad = null;
        }
    }

    /// <summary>Disposes every parameter, buffer and child.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var (_, tensor) in _parameters.Concat(_buffers))
        {
            tensor.Dispose();
        }
        foreach (var (_, child) in _children)
        {
            child.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : name.Length == 0 ? prefix : $"{prefix}.{name}";
}

/// <summary>A module with a typed forward pass.</summary>
public abstract class Module<TInput, TOutput> : Module
{
    /// <summary>Computes the output. The caller owns the result.</summary>
    public abstract TOutput forward(TInput input);

    /// <summary>Same as <see cref="forward"/>, for call sites that read like PyTorch's <c>module(x)</c>.</summary>
    public TOutput call(TInput input) => forward(input);
}
