namespace U2PL.Checkpoints;

/// <summary>Validates object names (see <see cref="ICheckpointStore"/>) so that no name escapes its store or hides.</summary>
internal static class ObjectNames
{
    public static void Validate(string location, string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"{location}: invalid object name '{name}' (letters, digits, '.', '_', '-' in '/'-separated segments, none starting with '.')");
        }
    }

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 1024 && name.Split('/').All(segment => segment.Length > 0 && segment[0] != '.' && segment.All(IsNameChar));

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
