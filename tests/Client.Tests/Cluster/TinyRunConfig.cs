namespace U2PL.Client.Tests.Cluster;

/// <summary>A U2PL config small enough for a run on the cluster in a test: synthetic 64×80 scenes, ResNet-18, 1 thread per worker.</summary>
internal static class TinyRunConfig
{
    public static string Write(string directory, int maxIterations, int epochs = 2, string extra = "", int trainCount = 32, int labeled = 8,
        int batchSize = 2, int microBatches = 1, int workerThreads = 0)
    {
        var path = Path.Combine(directory, $"tiny-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            seed: 5
            dataset:
              type: synthetic
              synthetic: {"{"} train_count: {trainCount}, val_count: 3, height: 64, width: 80 {"}"}
              labeled: {labeled}
              batch_size: {batchSize}
              train:
                crop: {"{"} size: [64, 64] {"}"}
            net: {"{"} arch: resnet18, output_stride: 16 {"}"}
            trainer:
              epochs: {epochs}
              sup_only_epoch: 0
              threads: 1
              micro_batches: {microBatches}
              max_iterations: {maxIterations}
              optimizer: {"{"} kwargs: {"{"} lr: 0.01 {"}"} {"}"}
              contrastive: {"{"} num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5, memory_bank: {"{"} capacity: 500, background_capacity: 500 {"}"} {"}"}
            saver:
              snapshot_dir: {Path.Combine(directory, "run-" + Guid.NewGuid().ToString("N"))}
            cluster: {"{"} worker_threads: {workerThreads} {"}"}
            {extra}
            """);
        return path;
    }
}
