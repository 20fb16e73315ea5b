using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A Python global the unpickler resolved (GLOBAL / STACK_GLOBAL): its qualified name and, when it may be called by
/// REDUCE or NEWOBJ, what calling it builds.
/// </summary>
internal sealed class PickleGlobal(string module, string name, Func<object?[], object?>? call = null)
{
    public string Module { get; } = module;
    public string Name { get; } = name;
    public string QualifiedName => $"{Module}.{Name}";

    /// <summary>Calls the global with REDUCE's argument tuple; null for one that is only a marker (e.g. a storage type).</summary>
    public Func<object?[], object?>? Call { get; } = call;

    public override string ToString() => QualifiedName;
}

/// <summary>
/// A Python dict or <c>collections.OrderedDict</c>, keeping insertion order; BUILD's state (for an OrderedDict
/// returned by <c>state_dict()</c>, the <c>_metadata</c> attribute) lands in <see cref="Attributes"/>.
/// </summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            _items[i] = new(key, value);
            return;
        }
        _index[key] = _items.Count;
        _items.Add(new(key, value));
    }
}
