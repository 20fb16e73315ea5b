using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Training;
using U2PL.Segmentation.Weights;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using U2PL.Segmentation.Serialization;

namespace U2PL.Client.Cli;

/// <summary>Runs a command body and turns the errors a user can cause into one clear line on stderr and exit code 1.</summary>
public static class CommandRunner
{
    public const int Failure = 1;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ConfigException or BadSampleException or SplitFileException or WeightsException or TensorFileException or StateDictException or System.Runtime.InteropServices.ExternalException
                                      or IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException or DeviceUnavailableException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}
