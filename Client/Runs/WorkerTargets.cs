using System.CommandLine;
using System.Globalization;
using U2PL.Contracts;

namespace U2PL.Client.Runs;

/// <summary>The <c>--workers N|auto</c> option.</summary>
public static class WorkerTargets
{
    public static Option<string> Option(string? defaultValue, string description = "Workers: a count, or auto (one per free GPU slot, following silos as they come and go)")
    {
        var option = new Option<string>("--workers") { Description = description };
        if (defaultValue is null)
        {
            option.Required = true;
        }
        else
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !TryParse(result.Tokens[^1].Value, out _))
            {
                result.AddError($"--workers expects a count of at least 1 or 'auto', got '{result.Tokens[^1].Value}'");
            }
        });
        return option;
    }

    public static bool TryParse(string text, out WorkerTarget target)
    {
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            target = new WorkerTarget { Auto = true, Count = 0 };
            return true;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1)
        {
            target = new WorkerTarget { Count = count };
            return true;
        }
        target = new WorkerTarget();
        return false;
    }

    public static WorkerTarget Parse(string text) =>
        TryParse(text, out var target) ? target : throw new ArgumentException($"--workers expects a count of at least 1 or 'auto', got '{text}'");
}
