namespace U2PL.Runtime.Serialization;

/// <summary>Writes and reads values of one type as tagged fields. Built once per type by <see cref="CodecProvider"/>.</summary>
public interface IFieldCodec
{
    /// <summary>Writes the tag and the (non-null) value.</summary>
    void Write(WireWriter writer, uint fieldId, object value);

    /// <summary>Reads a value whose tag (with <paramref name="wireType"/>, not <see cref="WireType.Null"/>) was just read.</summary>
    object Read(WireReader reader, WireType wireType);
}

/// <summary>Maps grain references to their wire form and back (implemented by the runtime that owns the proxies).</summary>
public interface IGrainReferenceConverter
{
    /// <summary>The grain id and interface of a reference, if <paramref name="value"/> is one.</summary>
    bool TryGetReference(object value, out GrainId grainId, out Type interfaceType);

    /// <summary>Creates a typed reference.</summary>
    object CreateReference(GrainId grainId, Type interfaceType);
}
