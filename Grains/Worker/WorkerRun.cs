using U2PL.Contracts;
using U2PL.Grains.Model;
using U2PL.Segmentation.Data;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Grains.Worker;

/// <summary>
/// What every worker holds for its run, in either mode: the run's options, datasets and schedule, local copies of the
/// student and teacher (their tensors by state-dict name), the shard layouts, the shard and bank grains it talks to,
/// and the loaders of a lease's samples.
/// </summary>
internal sealed class WorkerRun : IDisposable
{
    private readonly BadSampleStatistics _badSamples = new();

    public WorkerRun(string key, WorkerAssignment assignment, IGrainFactory grains, DatasetTypes datasetTypes)
    {
        Key = key;
        Options = RunModel.Options(assignment.ConfigText);
        if (assignment.Threads > 0)
        {
            torch.set_num_threads(assignment.Threads);
        }
        Datasets = TrainingDatasets.Create(Options.Data, datasetTypes);
        Schedule = RunModel.Schedule(Options, Datasets.Labeled.Count, Datasets.Unlabeled.Count);
        Student = new DeepLabV3Plus(Options.Model);
        Teacher = new DeepLabV3Plus(Options.Model);
        StudentTensors = Tensors(Student);
        TeacherTensors = Tensors(Teacher);
        Layouts = ShardLayout.Split(Student, assignment.Shards);
        Shards = Enumerable.Range(0, assignment.Shards).Select(k => grains.GetGrain<IParameterServerGrain>(GrainKeys.Shard(assignment.RunId, k))).ToArray();
        BankGrains = Enumerable.Range(0, Options.Model.NumClasses).Select(c => grains.GetGrain<IMemoryBankGrain>(GrainKeys.Bank(assignment.RunId, c))).ToArray();
    }

    public string Key { get; }
    public TrainingOptions Options { get; }
    public TrainingDatasets Datasets { get; }
    public TrainingSchedule Schedule { get; }
    public DeepLabV3Plus Student { get; }
    public DeepLabV3Plus Teacher { get; }
    public Dictionary<string, Tensor> StudentTensors { get; }
    public Dictionary<string, Tensor> TeacherTensors { get; }
    public ShardLayout[] Layouts { get; }
    public IParameterServerGrain[] Shards { get; }
    public IMemoryBankGrain[] BankGrains { get; }

    /// <summary>The lease's samples of one set (stream 0 labeled, 1 unlabeled) as one batch, augmented as the single-process trainer augments them.</summary>
    public BatchLoader Loader(ISampleTransform transform, int[] indices, int epoch, int stream)
    {
        var options = new BatchLoaderOptions
        {
            BatchSize = indices.Length, PrefetchBatches = 1, Workers = Options.Data.Workers, DropLast = true, OnBadSample = Options.Data.OnBadSample,
        };
        var dataset = stream == 0 ? Datasets.Labeled : Datasets.Unlabeled;
        // The sample key of the single-process trainer: the same augmentation wherever and however often the lease runs.
        return new BatchLoader(dataset, transform, indices, options, new SampleKey(Options.Seed, 0, epoch, 0, stream), _badSamples);
    }

    private static Dictionary<string, Tensor> Tensors(DeepLabV3Plus model) =>
        model.named_parameters().Select(e => (e.name, (Tensor)e.parameter)).Concat(model.named_buffers()).ToDictionary(e => e.Item1, e => e.Item2);

    public void Dispose()
    {
        Student.Dispose();
        Teacher.Dispose();
    }
}
