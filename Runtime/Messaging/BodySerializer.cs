using System.Buffers;
using U2PL.Runtime.Invocation;
using U2PL.Runtime.Serialization;

namespace U2PL.Runtime.Messaging;

/// <summary>Bodies: call arguments (fields 1..n), results (field 1) and exceptions (type, message, stack trace).</summary>
public sealed class BodySerializer(CodecProvider codecs)
{
    /// <summary>Serializes the wire arguments of a call (the cancellation token stays behind).</summary>
    public SerializedPayload WriteArguments(GrainMethodDescriptor method, object?[] args)
    {
        var payload = new SerializedPayload();
        var writer = new WireWriter(payload);
        uint field = 1;
        for (var i = 0; i < args.Length; i++)
        {
            if (i == method.CancellationTokenIndex) continue;
            codecs.WriteField(writer, field, method.WireParameterTypes[field - 1], args[i]);
            field++;
        }
        return payload;
    }

    /// <summary>Reads the arguments in declaration order, with <paramref name="token"/> in the token's place.</summary>
    public object?[] ReadArguments(GrainMethodDescriptor method, ReadOnlySequence<byte> body, CancellationToken token)
    {
        var wire = new object?[method.WireParameterTypes.Length];
        var reader = new WireReader(body);
        while (!reader.End)
        {
            var (id, wt) = reader.ReadTag();
            if (id >= 1 && id <= wire.Length) wire[id - 1] = codecs.ReadValue(reader, wt, method.WireParameterTypes[id - 1]);
            else reader.Skip(wt);
        }
        for (var i = 0; i < wire.Length; i++)
        {
            if (wire[i] is null && method.WireParameterTypes[i].IsValueType && Nullable.GetUnderlyingType(method.WireParameterTypes[i]) is null)
                wire[i] = Activator.CreateInstance(method.WireParameterTypes[i]);
        }
        if (method.CancellationTokenIndex < 0) return wire;
        var all = new object?[wire.Length + 1];
        for (int i = 0, w = 0; i < all.Length; i++) all[i] = i == method.CancellationTokenIndex ? token : wire[w++];
        return all;
    }

    /// <summary>Serializes a result.</summary>
    public SerializedPayload WriteResult(GrainMethodDescriptor method, object? result)
    {
        var payload = new SerializedPayload();
        if (method.ResultType != typeof(void)) codecs.WriteField(new WireWriter(payload), 1, method.ResultType, result);
        return payload;
    }

    /// <summary>Reads a result.</summary>
    public object? ReadResult(GrainMethodDescriptor method, ReadOnlySequence<byte> body)
    {
        if (method.ResultType == typeof(void)) return null;
        var reader = new WireReader(body);
        object? result = method.ResultType.IsValueType ? Activator.CreateInstance(method.ResultType) : null;
        while (!reader.End)
        {
            var (id, wt) = reader.ReadTag();
            if (id == 1) result = codecs.ReadValue(reader, wt, method.ResultType);
            else reader.Skip(wt);
        }
        return result;
    }

    /// <summary>Serializes an exception thrown by a grain.</summary>
    public static SerializedPayload WriteException(Exception exception)
    {
        var payload = new SerializedPayload();
        var writer = new WireWriter(payload);
        writer.WriteStringField(1, CodecProvider.TypeName(exception.GetType()));
        writer.WriteStringField(2, exception.Message);
        writer.WriteStringField(3, exception.StackTrace ?? "");
        return payload;
    }

    /// <summary>Rebuilds an exception: the original type when it is a known exception type with a message constructor.</summary>
    public static Exception ReadException(ReadOnlySequence<byte> body)
    {
        string type = "", message = "", stack = "";
        try
        {
            var reader = new WireReader(body);
            while (!reader.End)
            {
                var (id, wt) = reader.ReadTag();
                switch (id)
                {
                    case 1 when wt == WireType.LengthDelimited: type = reader.ReadString(); break;
                    case 2 when wt == WireType.LengthDelimited: message = reader.ReadString(); break;
                    case 3 when wt == WireType.LengthDelimited: stack = reader.ReadString(); break;
                    default: reader.Skip(wt); break;
                }
            }
        }
        catch (WireFormatException e)
        {
            return new GrainCallException("Malformed exception response.", e);
        }
        return RemoteExceptionFactory.Create(type, message, stack);
    }
}
