// Tests share libtorch's process-wide random generator (manual_seed, dropout, randint): run them one at a time so that a
// determinism test is not disturbed by another test drawing from the same generator.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
