namespace U2PL.Torch;

/// <summary>
/// Collects the tensors created on this thread while it is the innermost open scope, and disposes them with itself,
/// so temporaries of a training step are freed deterministically. A tensor that must outlive the scope is moved out
/// with <see cref="MoveToOuter"/> (or <see cref="Tensor.MoveToOuterDisposeScope"/>) or detached from it.
/// Scopes are per thread: tensors created on another thread (after an await, say) are not collected.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic]
    private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = t_current;
        t_current = this;
    }

    internal static DisposeScope? Current => t_current;

    /// <summary>Number of tensors this scope currently owns.</summary>
    public int Count => _tensors.Count;

    internal void Add(Tensor tensor) => _tensors.Add(tensor);

    internal void Remove(Tensor tensor) => _tensors.Remove(tensor);

    /// <summary>Hands the tensor to the enclosing scope (or to no scope), so this one does not dispose it.</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        if (_tensors.Remove(tensor))
        {
            tensor.OwningScope = _outer;
            _outer?.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Takes the tensor out of every scope: the caller owns it.</summary>
    public Tensor Detach(Tensor tensor)
    {
        if (_tensors.Remove(tensor))
        {
            tensor.OwningScope = null;
        }
        return tensor;
    }

    /// <summary>Disposes every tensor still owned by the scope and closes it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (t_current == this)
        {
            t_current = _outer;
        }
        foreach (var tensor in _tensors)
        {
            tensor.OwningScope = null;
            tensor.Dispose();
        }
        _tensors.Clear();
    }
}
