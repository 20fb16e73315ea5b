using TorchSharp;
using static TorchSharp.torch;
// Hand-written pickle subset: the package source has no pickle library (and libtorch's own pickle_load fails on the
// OrderedDict with `_metadata` that `state_dict()` returns, DESIGN §8). It understands what `torch.save` emits for
// state dicts and checkpoints — protocols 2 to 5, containers, numbers, strings, memo, globals, REDUCE/BUILD and
// persistent ids — and nothing that could run code: every global must be resolved by the caller to a known builder.
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace U2PL.Segmentation.Serialization;

/// <summary>
/// A stack machine over a pickle byte stream. Python containers become <see cref="PickleDict"/>,
/// <see cref="List{T}"/> (list) and <c>object?[]</c> (tuple); ints become <see cref="long"/> (or
/// <see cref="BigInteger"/> past 64 bits), floats <see cref="double"/>, str <see cref="string"/>, bytes <c>byte[]</c>.
/// </summary>
internal sealed class Unpickler(
    string filePath,
    string recordName,
    ReadOnlyMemory<byte> data,
    Func<string, string, PickleGlobal> findGlobal,
    Func<object?, object?> persistentLoad)
{
    private static readonly object s_mark = new();
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    /// <summary>Runs the pickle to STOP and returns the object it built.</summary>
    public object? Load()
    {
        while (true)
        {
            var at = _position;
            var opcode = (PickleOpcode)ReadByte();
            if (opcode == PickleOpcode.Stop)
                return _stack.Count == 1 ? _stack[0] : throw Error(at, $"STOP with {_stack.Count} objects on the stack");
            Execute(opcode, at);
        }
    }

    private void Execute(PickleOpcode opcode, int at)
    {
        switch (opcode)
        {
            case PickleOpcode.Proto: ReadByte(); break;
            case PickleOpcode.Frame: ReadBytes(8); break;
            case PickleOpcode.Mark: _marks.Push(_stack.Count); break;
            case PickleOpcode.Pop: Pop(at); break;
            case PickleOpcode.PopMark: PopToMark(at); break;
            case PickleOpcode.Dup: Push(Peek(at)); break;
            case PickleOpcode.None: Push(null); break;
            case PickleOpcode.NewTrue: Push(true); break;
            case PickleOpcode.NewFalse: Push(false); break;
            case PickleOpcode.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
            case PickleOpcode.BinInt1: Push((long)ReadByte()); break;
            case PickleOpcode.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
            case PickleOpcode.Long1: Push(ReadLong(ReadByte())); break;
            case PickleOpcode.Long4: Push(ReadLong(ReadLength(4, at))); break;
            case PickleOpcode.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
            case PickleOpcode.ShortBinUnicode: Push(ReadString(ReadByte(), at)); break;
            case PickleOpcode.BinUnicode: Push(ReadString(ReadLength(4, at), at)); break;
            case PickleOpcode.BinUnicode8: Push(ReadString(ReadLength(8, at), at)); break;
            case PickleOpcode.ShortBinBytes: Push(ReadBytes(ReadByte()).ToArray()); break;
            case PickleOpcode.BinBytes: Push(ReadBytes(ReadLength(4, at)).ToArray()); break;
            case PickleOpcode.BinBytes8: Push(ReadBytes(ReadLength(8, at)).ToArray()); break;
            case PickleOpcode.EmptyTuple: Push(Array.Empty<object?>()); break;
            case PickleOpcode.Tuple: Push(PopToMark(at)); break;
            case PickleOpcode.Tuple1: Push(PopN(1, at)); break;
            case PickleOpcode.Tuple2: Push(PopN(2, at)); break;
            case PickleOpcode.Tuple3: Push(PopN(3, at)); break;
            case PickleOpcode.EmptyList: Push(new List<object?>()); break;
            case PickleOpcode.List: Push(new List<object?>(PopToMark(at))); break;
            case PickleOpcode.Append: AppendTo(at, [Pop(at)]); break;
            case PickleOpcode.Appends: AppendTo(at, PopToMark(at)); break;
            case PickleOpcode.EmptyDict: Push(new PickleDict()); break;
            case PickleOpcode.Dict: var dict = new PickleDict(); SetItems(dict, PopToMark(at), at); Push(dict); break;
            case PickleOpcode.SetItem: var pair = PopN(2, at); SetItems(PeekDict(at), pair, at); break;
            case PickleOpcode.SetItems: var items = PopToMark(at); SetItems(PeekDict(at), items, at); break;
            case PickleOpcode.Global: Push(findGlobal(ReadLine(at), ReadLine(at))); break;
            case PickleOpcode.StackGlobal: StackGlobal(at); break;
            case PickleOpcode.Reduce: Reduce(at); break;
            case PickleOpcode.NewObj: Reduce(at); break;
            case PickleOpcode.Build: Build(at); break;
            case PickleOpcode.BinPersId: Push(persistentLoad(Pop(at))); break;
            case PickleOpcode.BinPut: _memo[ReadByte()] = Peek(at); break;
            case PickleOpcode.LongBinPut: _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(at); break;
            case PickleOpcode.Memoize: _memo[_memo.Count] = Peek(at); break;
            case PickleOpcode.BinGet: Push(GetMemo(ReadByte(), at)); break;
            case PickleOpcode.LongBinGet: Push(GetMemo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)), at)); break;
            default:
                var b = (byte)opcode;
                var printable = b is >= 0x20 and < 0x7f ? $" '{(char)b}'" : "";
                throw Error(at, $"unsupported pickle opcode 0x{b:x2}{printable}");
        }
    }

    private void StackGlobal(int at)
    {
        var names = PopN(2, at);
        if (names[0] is not string module || names[1] is not string name)
            throw Error(at, "STACK_GLOBAL needs two strings");
        Push(findGlobal(module, name));
    }

    private void Reduce(int at)
    {
        var args = Pop(at);
        var callable = Pop(at);
        if (args is not object?[] tuple)
            throw Error(at, $"REDUCE arguments are a {Describe(args)}, expected a tuple");
        if (callable is not PickleGlobal { Call: { } call } global)
            throw Error(at, $"cannot call {Describe(callable)}");
        try
        {
            Push(call(tuple));
        }
        catch (Exception e) when (e is not TensorFileException)
        {
            throw Error(at, $"{global.QualifiedName}{Describe(tuple)}: {e.Message}");
        }
    }

    private void Build(int at)
    {
        var state = Pop(at);
        var target = Peek(at);
        if (target is PickleDict dict && state is PickleDict attributes)
        {
            foreach (var (key, value) in attributes.Items)
                dict.Attributes[key as string ?? throw Error(at, "BUILD state has a non-string key")] = value;
            return;
        }
        if (state is null)
            return;
        throw Error(at, $"BUILD of {Describe(target)} with {Describe(state)} state is not supported");
    }

    private void AppendTo(int at, object?[] values)
    {
        if (Peek(at) is not List<object?> list)
            throw Error(at, $"APPEND to a {Describe(Peek(at))}, expected a list");
        list.AddRange(values);
    }

    private void SetItems(PickleDict dict, object?[] keysAndValues, int at)
    {
        if (keysAndValues.Length % 2 != 0)
            throw Error(at, "SETITEMS with an odd number of objects");
        for (var i = 0; i < keysAndValues.Length; i += 2)
        {
            var key = keysAndValues[i] is { } k && k is string or long or bool or double or BigInteger
                ? k
                : throw Error(at, $"dict key of type {Describe(keysAndValues[i])} is not supported");
            dict.Set(key, keysAndValues[i + 1]);
        }
    }

    private PickleDict PeekDict(int at) =>
        Peek(at) as PickleDict ?? throw Error(at, $"SETITEM on a {Describe(Peek(at))}, expected a dict");

    private object? GetMemo(long index, int at) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error(at, $"memo slot {index} is empty");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek(int at) =>
        _stack.Count > (_marks.Count > 0 ? _marks.Peek() : 0) ? _stack[^1] : throw Error(at, "stack underflow");

    private object? Pop(int at)
    {
        var value = Peek(at);
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopN(int count, int at)
    {
        var floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count - floor < count)
            throw Error(at, "stack underflow");
        var values = _stack.GetRange(_stack.Count - count, count).ToArray();
        _stack.RemoveRange(_stack.Count - count, count);
        return values;
    }

    private object?[] PopToMark(int at)
    {
        if (_marks.Count == 0)
            throw Error(at, "no MARK on the stack");
        var mark = _marks.Pop();
        var values = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return values;
    }

    private byte ReadByte() => ReadBytes(1)[0];

    private ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count > data.Length - _position)
            throw Error(_position, "truncated pickle");
        var span = data.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    private int ReadLength(int width, int at)
    {
        var bytes = ReadBytes(width);
        var length = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return length <= int.MaxValue ? (int)length : throw Error(at, $"length {length} too large");
    }

    private string ReadString(int length, int at)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(ReadBytes(length));
        }
        catch (DecoderFallbackException)
        {
            throw Error(at, "string is not valid UTF-8");
        }
    }

    private string ReadLine(int at)
    {
        var rest = data.Span[_position..];
        var end = rest.IndexOf((byte)'\n');
        if (end < 0)
            throw Error(at, "truncated GLOBAL");
        _position += end + 1;
        return Encoding.UTF8.GetString(rest[..end]);
    }

    private object ReadLong(int length)
    {
        var value = new BigInteger(ReadBytes(length), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private TensorFileException Error(int at, string problem) =>
        new(filePath, $"{recordName} at byte {at}: {problem}");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        object?[] tuple => $"({string.Join(", ", tuple.Select(Describe))})",
        string s => $"'{s}'",
        long or double or bool => value.ToString()!,
        PickleGlobal g => g.QualifiedName,
        PickleDict => "dict",
        List<object?> => "list",
        _ => value.GetType().Name,
    };
}
