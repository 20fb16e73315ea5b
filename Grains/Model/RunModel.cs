using U2PL.Contracts;
using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Serialization;

namespace U2PL.Grains.Model;

/// <summary>What every grain of a run derives from its config text: the options, the schedule and the initial model.</summary>
public static class RunModel
{
    /// <summary>The config's options; a <see cref="ConfigException"/> lists every problem.</summary>
    public static TrainingOptions Options(string configText, string source = "run config") =>
        TrainingConfigReader.Read(ConfigTree.Parse(configText, source), configText);

    /// <summary>The schedule of a run over <paramref name="labeled"/> and <paramref name="unlabeled"/> images (as the single-process trainer).</summary>
    public static TrainingSchedule Schedule(TrainingOptions options, int labeled, int unlabeled)
    {
        var stepsPerEpoch = (long)Math.Ceiling(Math.Max(labeled, unlabeled) / (double)options.Data.BatchSize);
        return new TrainingSchedule(stepsPerEpoch, options.Method.Epochs, options.Method.SupervisedOnlyEpochs);
    }

    /// <summary>The student at step 0, as the single-process trainer builds it: seeded init, then pretrained encoder or init_from.</summary>
    public static DeepLabV3Plus InitialStudent(TrainingOptions options)
    {
        var model = DeepLabV3Plus.Seeded(options.Model, options.Seed);
        try
        {
            if (options.Pretrained is { } pretrained)
            {
                PretrainedEncoder.ImportInto(model, pretrained, options.Data.TrainAugmentation.Mean, options.Data.TrainAugmentation.Std);
            }
            if (options.InitFrom is { } init)
            {
                using var trained = TrainingCheckpoint.LoadEvaluatedModel(TrainingCheckpoint.Resolve(init));
                StrictStateDict.Load(model, trained.state_dict());
            }
            return model;
        }
        catch (Exception e) when (e is WeightsException or StateDictException or TensorFileException)
        {
            model.Dispose();
            // The Segmentation exceptions have no Orleans codec (nor may one travel as the inner exception): the caller
            // of a grain would see a CodecNotFoundException instead of the message.
            throw new RunConfigException($"the run's initial weights: {e.Message}");
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The latest checkpoint in a run's directory, or null when it has none.</summary>
    public static string? LatestCheckpoint(string directory)
    {
        var latest = Path.Combine(directory, TrainingCheckpoint.LatestFile);
        return File.Exists(latest) ? TrainingCheckpoint.Resolve(directory) : null;
    }
}
