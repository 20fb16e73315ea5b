namespace U2PL.Runtime.Serialization;

/// <summary>Wire form of a grain or observer reference: a group of grain type, key and interface name.</summary>
internal static class GrainReferenceCodec
{
    public static void Write(WireWriter writer, uint fieldId, GrainId grainId, Type interfaceType)
    {
        writer.WriteTag(fieldId, WireType.StartGroup);
        writer.WriteStringField(1, grainId.Type);
        writer.WriteStringField(2, grainId.Key);
        writer.WriteStringField(3, CodecProvider.TypeName(interfaceType));
        writer.WriteTag(0, WireType.EndGroup);
    }

    public static (GrainId GrainId, Type Interface) Read(WireReader reader, WireType wireType, Func<string, Type> resolve)
    {
        WireReader.Expect(wireType, WireType.StartGroup);
        string? type = null, key = null;
        Type? iface = null;
        while (true)
        {
            var (id, inner) = reader.ReadTag();
            if (inner == WireType.EndGroup) break;
            switch (id)
            {
                case 1 when inner == WireType.LengthDelimited: type = reader.ReadString(); break;
                case 2 when inner == WireType.LengthDelimited: key = reader.ReadString(); break;
                case 3 when inner == WireType.LengthDelimited: iface = resolve(reader.ReadString()); break;
                default: reader.Skip(inner); break;
            }
        }
        if (type is null || key is null || iface is null) throw new WireFormatException("Incomplete grain reference.");
        return (new GrainId(type, key), iface);
    }
}
