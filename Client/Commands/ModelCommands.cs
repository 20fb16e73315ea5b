using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using U2PL.Client.Cli;
using U2PL.Segmentation.Models;

namespace U2PL.Client.Commands;

/// <summary><c>u2pl model summary</c>: the model's structure and parameter counts.</summary>
public static class ModelCommands
{
    public static Command Create()
    {
        var arch = CommonOptions.Arch();
        var classes = CommonOptions.Classes();
        var outputStride = CommonOptions.OutputStride();
        var json = CommonOptions.Json();
        var summary = new Command("summary", "Show the parameter counts of a DeepLabv3+ model") { arch, classes, outputStride, json };
        summary.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ModelOptions(ResNetArchitectures.Parse(parse.GetValue(arch)!), parse.GetValue(classes), parse.GetValue(outputStride));
            using var model = new DeepLabV3Plus(options);
            var parts = model.Decoder.named_children()
                .Select(child => (name: $"decoder.{child.name}", count: child.module.parameters().Sum(p => p.numel())))
                .Prepend((name: "encoder", count: model.Encoder.parameters().Sum(p => p.numel())))
                .ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["arch"] = options.Architecture.Name(),
                    ["classes"] = options.NumClasses,
                    ["output_stride"] = options.OutputStride,
                    ["backbone_params"] = model.Encoder.parameters().Sum(p => p.numel()),
                    ["decoder_params"] = model.Decoder.parameters().Sum(p => p.numel()),
                    ["total_params"] = model.parameters().Sum(p => p.numel()),
                    ["parts"] = parts.ToDictionary(part => part.name, part => part.count),
                }));
                return 0;
            }
            var table = new Table().AddColumn("part").AddColumn(new TableColumn("parameters").RightAligned());
            foreach (var (name, count) in parts)
            {
                table.AddRow(name, $"{count:N0}");
            }
            table.AddRow("[bold]total[/]", $"[bold]{model.parameters().Sum(p => p.numel()):N0}[/]");
            AnsiConsole.MarkupLine($"DeepLabv3+ on [bold]{options.Architecture.Name()}[/], {options.NumClasses} classes, output stride {options.OutputStride}");
            AnsiConsole.Write(table);
            return 0;
        }));
        return new Command("model", "Inspect segmentation models") { summary };
    }
}
