using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace U2PL.Runtime.Serialization;

/// <summary>
/// Codec of a <see cref="GenerateSerializerAttribute"/> type: a group of its <see cref="IdAttribute"/> members.
/// Member accessors are compiled once; unknown field ids are skipped and missing ones keep their defaults, so adding
/// a member does not break an older peer.
/// </summary>
internal sealed class ObjectCodec : IFieldCodec
{
    private readonly Type _type;
    private readonly CodecProvider _provider;
    private readonly Func<object> _create;
    private readonly Member[] _members;
    private readonly Dictionary<uint, Member> _byId;

    public ObjectCodec(Type type, CodecProvider provider)
    {
        _type = type;
        _provider = provider;
        _create = BuildFactory(type);
        _members = [.. Discover(type).OrderBy(m => m.Id)];
        _byId = _members.ToDictionary(m => m.Id);
        var duplicate = _members.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"{type}: field id {duplicate.Key} is used twice.");
    }

    public void Write(WireWriter writer, uint fieldId, object value)
    {
        writer.WriteTag(fieldId, WireType.StartGroup);
        foreach (var member in _members) _provider.WriteField(writer, member.Id, member.Type, member.Get(value));
        writer.WriteTag(0, WireType.EndGroup);
    }

    public object Read(WireReader reader, WireType wireType)
    {
        WireReader.Expect(wireType, WireType.StartGroup);
        var instance = _create();
        while (true)
        {
            var (id, inner) = reader.ReadTag();
            if (inner == WireType.EndGroup) return instance;
            if (!_byId.TryGetValue(id, out var member)) { reader.Skip(inner); continue; }
            member.Set(instance, _provider.ReadValue(reader, inner, member.Type));
        }
    }

    private static IEnumerable<Member> Discover(Type type)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var property in type.GetProperties(flags))
        {
            if (property.GetCustomAttribute<IdAttribute>() is not { } id) continue;
            var setter = property.SetMethod ?? throw new InvalidOperationException($"{type}.{property.Name} has [Id] but no setter.");
            yield return new Member(id.Id, property.PropertyType, CompileGetter(type, property), CompileSetter(type, property, setter));
        }
        foreach (var field in type.GetFields(flags))
        {
            if (field.GetCustomAttribute<IdAttribute>() is not { } id) continue;
            yield return new Member(id.Id, field.FieldType, field.GetValue, field.SetValue);
        }
    }

    private static Func<object> BuildFactory(Type type)
    {
        var ctor = type.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes);
        if (ctor is null || type.IsValueType) return () => RuntimeHelpers.GetUninitializedObject(type);
        return Expression.Lambda<Func<object>>(Expression.New(ctor)).Compile();
    }

    private static Func<object, object?> CompileGetter(Type type, PropertyInfo property)
    {
        var instance = Expression.Parameter(typeof(object));
        var body = Expression.Convert(Expression.Property(Expression.Convert(instance, type), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, instance).Compile();
    }

    private static Action<object, object?> CompileSetter(Type type, PropertyInfo property, MethodInfo setter)
    {
        if (type.IsValueType) return (target, value) => property.SetValue(target, value); // boxed structs: set in place
        var instance = Expression.Parameter(typeof(object));
        var value = Expression.Parameter(typeof(object));
        var call = Expression.Call(Expression.Convert(instance, type), setter, Expression.Convert(value, property.PropertyType));
        return Expression.Lambda<Action<object, object?>>(call, instance, value).Compile();
    }

    public override string ToString() => $"ObjectCodec({_type.Name})";

    private sealed record Member(uint Id, Type Type, Func<object, object?> Get, Action<object, object?> Set);
}
