using U2PL.Contracts;

namespace U2PL.Grains.Data;

/// <summary>Increments on an epoch's immutable <see cref="EpochCoverage"/> kept in a dictionary.</summary>
internal readonly struct CoverageCounter(Dictionary<int, EpochCoverage> all, int epoch)
{
    public long Reissued { get => all[epoch].Reissued; set => all[epoch] = all[epoch] with { Reissued = value }; }
    public long Duplicated { get => all[epoch].Duplicated; set => all[epoch] = all[epoch] with { Duplicated = value }; }
    public long Returned { get => all[epoch].Returned; set => all[epoch] = all[epoch] with { Returned = value }; }
    public long StepsDone { get => all[epoch].StepsDone; set => all[epoch] = all[epoch] with { StepsDone = value }; }
    public long SamplesDone { get => all[epoch].SamplesDone; set => all[epoch] = all[epoch] with { SamplesDone = value }; }
}
