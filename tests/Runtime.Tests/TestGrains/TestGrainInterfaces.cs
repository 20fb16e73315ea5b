using U2PL.Runtime;

namespace U2PL.Runtime.Tests.TestGrains;

/// <summary>A counter with persisted, fenced state.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Add(int amount);

    [ReadOnly]
    Task<int> Get();

    Task<string> GetSilo();

    Task<long> GetEpoch();

    /// <summary>Writes the counter through the fenced storage.</summary>
    Task Persist();

    Task<float[]> Echo(float[] data);

    Task<Sample> Transform(Sample sample);
}

/// <summary>Records how many calls ran at once.</summary>
public interface ITurnGrain : IGrainWithIntegerKey
{
    Task Work(int delayMs);

    [ReadOnly]
    Task ReadWork(int delayMs);

    [AlwaysInterleave]
    Task<int> MaxConcurrent();
}

/// <summary>Same, reentrant class.</summary>
public interface IReentrantTurnGrain : IGrainWithIntegerKey
{
    Task Work(int delayMs);

    Task<int> MaxConcurrent();
}

/// <summary>Timer grain.</summary>
public interface ITimerGrain : IGrainWithStringKey
{
    Task Start(int periodMs);

    Task<int> Ticks();

    Task<bool> Overlapped();

    Task Busy(int delayMs);
}

/// <summary>Events to a client observer.</summary>
public interface IProgressObserver : IGrainObserver
{
    Task OnProgress(string run, int step);
}

/// <summary>Publishes progress to subscribers.</summary>
public interface IProgressGrain : IGrainWithStringKey
{
    Task Subscribe(IProgressObserver observer);

    Task Run(int steps);
}

/// <summary>A grain that subscribes itself (as an observer) to a progress grain's events.</summary>
public interface IProgressListenerGrain : IGrainWithStringKey
{
    Task SubscribeTo(string run);

    Task<int[]> Received();
}

/// <summary>Deadlines and cancellation.</summary>
public interface IDeadlineGrain : IGrainWithIntegerKey
{
    /// <summary>Waits; returns true when the token fired first.</summary>
    Task<bool> Wait(int ms, CancellationToken cancellationToken);

    [ResponseTimeout(0.5)]
    Task SlowWithShortDeadline(int ms);

    Task Fail(string message);
}

/// <summary>A GPU worker: one activation per GPU slot, on gpu silos.</summary>
public interface IGpuWorkerGrain : IGrainWithIntegerKey
{
    Task<string> GetSilo();
}

/// <summary>A state grain: hands its value off through OnDeactivate, restores it on activation.</summary>
public interface IStateGrain : IGrainWithStringKey
{
    Task Set(int value);

    Task<int> Get();

    Task<string> GetSilo();

    Task<long> GetEpoch();
}

[GenerateSerializer]
public sealed record Sample
{
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public List<int> Values { get; init; } = [];
    [Id(3)] public Dictionary<string, double> Scores { get; init; } = [];
    [Id(4)] public Half[]? Halves { get; init; }
    [Id(5)] public ICounterGrain? Counter { get; init; }
    [Id(6)] public object? Extra { get; init; }
}
