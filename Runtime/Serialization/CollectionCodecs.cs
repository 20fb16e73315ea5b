namespace U2PL.Runtime.Serialization;

/// <summary>
/// Arrays, lists and dictionaries of non-raw element types: a group whose elements are fields 1 (values, or keys)
/// and 2 (dictionary values). Element codecs are resolved once, when the collection codec is built.
/// </summary>
internal static class CollectionCodecs
{
    public static IFieldCodec? For(Type type, CodecProvider provider)
    {
        if (type.IsArray && type.GetArrayRank() == 1)
            return Create(typeof(ArrayCodec<>), [type.GetElementType()!], provider);
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) ||
            definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>))
            return Create(typeof(ListCodec<>), args, provider);
        if (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            return Create(typeof(DictionaryCodec<,>), args, provider);
        return null;
    }

    private static IFieldCodec Create(Type definition, Type[] args, CodecProvider provider) =>
        (IFieldCodec)Activator.CreateInstance(definition.MakeGenericType(args), provider)!;

    private static List<T> ReadElements<T>(WireReader reader, WireType wireType, CodecProvider provider)
    {
        WireReader.Expect(wireType, WireType.StartGroup);
        var list = new List<T>();
        while (true)
        {
            var (id, inner) = reader.ReadTag();
            if (inner == WireType.EndGroup) return list;
            if (id != 1) { reader.Skip(inner); continue; }
            list.Add((T)provider.ReadValue(reader, inner, typeof(T))!);
        }
    }

    private static void WriteElements<T>(WireWriter writer, uint fieldId, IEnumerable<T> items, CodecProvider provider)
    {
        writer.WriteTag(fieldId, WireType.StartGroup);
        foreach (var item in items) provider.WriteField(writer, 1, typeof(T), item);
        writer.WriteTag(0, WireType.EndGroup);
    }

    private sealed class ArrayCodec<T>(CodecProvider provider) : IFieldCodec
    {
        public void Write(WireWriter writer, uint fieldId, object value) => WriteElements(writer, fieldId, (T[])value, provider);

        public object Read(WireReader reader, WireType wireType) => ReadElements<T>(reader, wireType, provider).ToArray();
    }

    private sealed class ListCodec<T>(CodecProvider provider) : IFieldCodec
    {
        public void Write(WireWriter writer, uint fieldId, object value) => WriteElements(writer, fieldId, (IEnumerable<T>)value, provider);

        public object Read(WireReader reader, WireType wireType) => ReadElements<T>(reader, wireType, provider);
    }

    private sealed class DictionaryCodec<TKey, TValue>(CodecProvider provider) : IFieldCodec where TKey : notnull
    {
        public void Write(WireWriter writer, uint fieldId, object value)
        {
            writer.WriteTag(fieldId, WireType.StartGroup);
            foreach (var (k, v) in (IEnumerable<KeyValuePair<TKey, TValue>>)value)
            {
                provider.WriteField(writer, 1, typeof(TKey), k);
                provider.WriteField(writer, 2, typeof(TValue), v);
            }
            writer.WriteTag(0, WireType.EndGroup);
        }

        public object Read(WireReader reader, WireType wireType)
        {
            WireReader.Expect(wireType, WireType.StartGroup);
            var result = new Dictionary<TKey, TValue>();
            TKey? key = default;
            var haveKey = false;
            while (true)
            {
                var (id, inner) = reader.ReadTag();
                if (inner == WireType.EndGroup) return result;
                if (id == 1) { key = (TKey)provider.ReadValue(reader, inner, typeof(TKey))!; haveKey = true; }
                else if (id == 2 && haveKey) { result[key!] = (TValue)provider.ReadValue(reader, inner, typeof(TValue))!; haveKey = false; }
                else reader.Skip(inner);
            }
        }
    }
}
