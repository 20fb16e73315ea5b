using System.Text;
using U2PL.Runtime;
using U2PL.Runtime.Catalog;
using U2PL.Runtime.Timers;

namespace U2PL.Runtime.Tests.TestGrains;

public sealed class CounterGrain : Grain, ICounterGrain
{
    private int _value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var state = await GrainContext.ReadStateAsync(cancellationToken);
        if (state is not null) _value = int.Parse(Encoding.UTF8.GetString(state), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<int> Add(int amount) => Task.FromResult(_value += amount);

    public Task<int> Get() => Task.FromResult(_value);

    public Task<string> GetSilo() => Task.FromResult(GrainContext.SiloAddress);

    public Task<long> GetEpoch() => Task.FromResult(GrainContext.ActivationEpoch);

    public Task Persist() => GrainContext.WriteStateAsync(Encoding.UTF8.GetBytes(_value.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public Task<float[]> Echo(float[] data) => Task.FromResult(data);

    public Task<Sample> Transform(Sample sample) => Task.FromResult(sample with
    {
        Name = sample.Name + "!",
        Values = [.. sample.Values.Select(v => v * 2)],
        Counter = GrainFactory.GetGrain<ICounterGrain>(GetPrimaryKeyString()),
    });
}

public sealed class TurnGrain : Grain, ITurnGrain
{
    private int _running;
    private int _max;

    public async Task Work(int delayMs)
    {
        _max = Math.Max(_max, ++_running);
        await Task.Delay(delayMs);
        _running--;
    }

    public Task ReadWork(int delayMs) => Work(delayMs);

    public Task<int> MaxConcurrent() => Task.FromResult(_max);
}

[Reentrant]
public sealed class ReentrantTurnGrain : Grain, IReentrantTurnGrain
{
    private int _running;
    private int _max;

    public async Task Work(int delayMs)
    {
        _max = Math.Max(_max, ++_running);
        await Task.Delay(delayMs);
        _running--;
    }

    public Task<int> MaxConcurrent() => Task.FromResult(_max);
}

public sealed class TimerGrain : Grain, ITimerGrain
{
    private int _ticks;
    private bool _busy;
    private bool _overlapped;
    private IGrainTimer? _timer;

    public Task Start(int periodMs)
    {
        _timer = RegisterGrainTimer(async _ =>
        {
            if (_busy) _overlapped = true;
            _busy = true;
            await Task.Delay(5);
            _ticks++;
            _busy = false;
        }, TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(periodMs));
        return Task.CompletedTask;
    }

    public Task<int> Ticks() => Task.FromResult(_ticks);

    public Task<bool> Overlapped() => Task.FromResult(_overlapped);

    public async Task Busy(int delayMs)
    {
        if (_busy) _overlapped = true;
        _busy = true;
        await Task.Delay(delayMs);
        _busy = false;
    }
}

public sealed class ProgressGrain : Grain, IProgressGrain
{
    private readonly List<IProgressObserver> _observers = [];

    public Task Subscribe(IProgressObserver observer)
    {
        _observers.Add(observer);
        return Task.CompletedTask;
    }

    public async Task Run(int steps)
    {
        for (var i = 1; i <= steps; i++)
        {
            foreach (var observer in _observers) await observer.OnProgress(GetPrimaryKeyString(), i);
        }
    }
}

/// <summary>Observes a progress grain as itself: events arrive as turns of this grain.</summary>
public sealed class ProgressListenerGrain : Grain, IProgressListenerGrain, IProgressObserver
{
    private readonly List<int> _received = [];

    public Task SubscribeTo(string run) => GrainFactory.GetGrain<IProgressGrain>(run).Subscribe(AsReference<IProgressObserver>());

    public Task<int[]> Received() => Task.FromResult(_received.ToArray());

    public Task OnProgress(string run, int step)
    {
        _received.Add(step);
        return Task.CompletedTask;
    }
}

public sealed class DeadlineGrain : Grain, IDeadlineGrain
{
    public async Task<bool> Wait(int ms, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(ms, cancellationToken);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public Task SlowWithShortDeadline(int ms) => Task.Delay(ms);

    public Task Fail(string message) => throw new InvalidOperationException(message);
}

[SiloRole("gpu")]
[UsesGpuSlot]
public sealed class GpuWorkerGrain : Grain, IGpuWorkerGrain
{
    public Task<string> GetSilo() => Task.FromResult(GrainContext.SiloAddress);
}

[SiloRole("state")]
public sealed class StateGrain : Grain, IStateGrain
{
    private int _value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var state = await GrainContext.ReadStateAsync(cancellationToken);
        if (state is not null) _value = BitConverter.ToInt32(state);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        GrainContext.WriteStateAsync(BitConverter.GetBytes(_value), cancellationToken); // hand-off

    public Task Set(int value)
    {
        _value = value;
        return Task.CompletedTask;
    }

    public Task<int> Get() => Task.FromResult(_value);

    public Task<string> GetSilo() => Task.FromResult(GrainContext.SiloAddress);

    public Task<long> GetEpoch() => Task.FromResult(GrainContext.ActivationEpoch);
}
