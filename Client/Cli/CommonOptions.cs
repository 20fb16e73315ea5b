using System.CommandLine;
using U2PL.Segmentation.Models;

namespace U2PL.Client.Cli;

/// <summary>Options shared by several commands, with their validation.</summary>
public static class CommonOptions
{
    public static Option<string> Arch(bool required = true)
    {
        var names = ResNetArchitectures.Names.Select(entry => entry.Name).ToArray();
        var option = new Option<string>("--arch") { Description = $"Backbone: {string.Join(", ", names)}", Required = required };
        option.AcceptOnlyFromAmong(names);
        return option;
    }

    public static Option<int> Classes() => Positive("--classes", "Number of classes (2..255)", 21, min: 2, max: 255);

    public static Option<int> OutputStride()
    {
        var option = new Option<int>("--os") { Description = "Output stride of the backbone: 8 or 16", DefaultValueFactory = _ => 8 };
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out var value) && value is not (8 or 16))
            {
                result.AddError($"--os must be 8 or 16, got {value}");
            }
        });
        return option;
    }

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object instead of a table" };

    /// <summary>An integer option with a default and an inclusive range.</summary>
    public static Option<int> Positive(string name, string description, int defaultValue, int min = 1, int max = int.MaxValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out var value) && (value < min || value > max))
            {
                result.AddError(max == int.MaxValue ? $"{name} must be at least {min}, got {value}" : $"{name} must be in {min}..{max}, got {value}");
            }
        });
        return option;
    }

    /// <summary>The parsed value, or false when the token did not parse (the parser already reports that error).</summary>
    private static bool TryGetValue(System.CommandLine.Parsing.OptionResult result, out int value)
    {
        try
        {
            value = result.GetValueOrDefault<int>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = 0;
            return false;
        }
    }
}
