using System.Collections.Concurrent;
using System.Reflection;

namespace U2PL.Runtime.Serialization;

/// <summary>
/// Builds and caches one codec per type, and writes/reads fields by declared type. Values whose declared type is
/// <c>object</c>, an interface or an abstract class travel with their type name, resolved only to types the
/// serializer knows (<see cref="GenerateSerializerAttribute"/> types, scalars, arrays and collections of them).
/// One provider per runtime instance (it holds the grain-reference converter of that runtime).
/// </summary>
public sealed class CodecProvider(IGrainReferenceConverter references)
{
    private readonly ConcurrentDictionary<Type, IFieldCodec> _codecs = new();
    private readonly ConcurrentDictionary<string, Type?> _typesByName = new();

    /// <summary>The codec of <paramref name="type"/>; throws when the type is not serializable.</summary>
    public IFieldCodec GetCodec(Type type) => _codecs.GetOrAdd(type, Build);

    /// <summary>Writes a field of declared type <paramref name="declared"/>.</summary>
    public void WriteField(WireWriter writer, uint fieldId, Type declared, object? value)
    {
        if (value is null) { writer.WriteTag(fieldId, WireType.Null); return; }
        if (references.TryGetReference(value, out var grainId, out var iface))
        {
            GrainReferenceCodec.Write(writer, fieldId, grainId, iface);
            return;
        }
        if (IsPolymorphic(declared)) WritePolymorphic(writer, fieldId, value);
        else GetCodec(Nullable.GetUnderlyingType(declared) ?? declared).Write(writer, fieldId, value);
    }

    /// <summary>Reads a field value of declared type <paramref name="declared"/> after its tag.</summary>
    public object? ReadValue(WireReader reader, WireType wireType, Type declared)
    {
        if (wireType == WireType.Null) return null;
        if (typeof(IAddressable).IsAssignableFrom(declared) && declared.IsInterface)
        {
            var (grainId, iface) = GrainReferenceCodec.Read(reader, wireType, ResolveType);
            return references.CreateReference(grainId, iface);
        }
        if (IsPolymorphic(declared)) return ReadPolymorphic(reader, wireType, declared);
        return GetCodec(Nullable.GetUnderlyingType(declared) ?? declared).Read(reader, wireType);
    }

    private static bool IsPolymorphic(Type declared) =>
        declared == typeof(object) || (declared.IsInterface && !declared.IsGenericType) || declared.IsAbstract && !declared.IsSealed && !declared.IsInterface;

    private void WritePolymorphic(WireWriter writer, uint fieldId, object value)
    {
        var type = value.GetType();
        writer.WriteTag(fieldId, WireType.StartGroup);
        writer.WriteStringField(1, TypeName(type));
        GetCodec(type).Write(writer, 2, value);
        writer.WriteTag(0, WireType.EndGroup);
    }

    private object? ReadPolymorphic(WireReader reader, WireType wireType, Type declared)
    {
        WireReader.Expect(wireType, WireType.StartGroup);
        Type? type = null;
        object? result = null;
        while (true)
        {
            var (id, inner) = reader.ReadTag();
            if (inner == WireType.EndGroup) return result;
            if (id == 1 && inner == WireType.LengthDelimited) type = ResolveType(reader.ReadString());
            else if (id == 2 && type is not null)
            {
                if (!declared.IsAssignableFrom(type)) throw new WireFormatException($"{type} is not a {declared}.");
                result = GetCodec(type).Read(reader, inner);
            }
            else reader.Skip(inner);
        }
    }

    internal static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    internal Type ResolveType(string name)
    {
        var type = _typesByName.GetOrAdd(name, static n => Type.GetType(n, throwOnError: false));
        if (type is null || !IsAllowed(type)) throw new WireFormatException($"Type '{name}' is unknown or not serializable.");
        return type;
    }

    private static bool IsAllowed(Type type)
    {
        if (type.IsPrimitive || type == typeof(string) || type.IsEnum || type == typeof(Guid) || type == typeof(TimeSpan) ||
            type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Half)) return true;
        if (type.IsArray) return IsAllowed(type.GetElementType()!);
        if (type.IsInterface && typeof(IAddressable).IsAssignableFrom(type)) return true;
        if (type.IsGenericType && type.Namespace == "System.Collections.Generic") return type.GetGenericArguments().All(IsAllowed);
        return type.GetCustomAttribute<GenerateSerializerAttribute>() is not null;
    }

    private IFieldCodec Build(Type type) =>
        PrimitiveCodecs.For(type)
        ?? (type.GetCustomAttribute<GenerateSerializerAttribute>() is not null ? new ObjectCodec(type, this) : null)
        ?? CollectionCodecs.For(type, this)
        ?? throw new NotSupportedException($"Type {type} is not serializable: mark it [GenerateSerializer] and its members [Id(n)].");
}
