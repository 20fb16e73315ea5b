namespace U2PL.Runtime.Serialization;

/// <summary>
/// How a field's value is laid out on the wire. Every field is preceded by a tag <c>(fieldId &lt;&lt; 3) | wireType</c>,
/// so a reader can skip fields it does not know: that is what makes the format schema-versioned.
/// </summary>
public enum WireType : byte
{
    /// <summary>LEB128 variable-length integer (zig-zag for signed types).</summary>
    VarInt = 0,

    /// <summary>4 bytes little-endian.</summary>
    Fixed32 = 1,

    /// <summary>8 bytes little-endian.</summary>
    Fixed64 = 2,

    /// <summary>A varint byte length, then the bytes (strings, raw arrays, tensors).</summary>
    LengthDelimited = 3,

    /// <summary>Start of a nested record (object, list, dictionary); fields follow until <see cref="EndGroup"/>.</summary>
    StartGroup = 4,

    /// <summary>End of a nested record.</summary>
    EndGroup = 5,

    /// <summary>A null value, no payload.</summary>
    Null = 6,
}
