namespace U2PL.Segmentation.Data;

/// <summary>
/// Loads and transforms one sample, applying the bad-sample policy: under <see cref="BadSamplePolicy.Skip"/> a bad
/// sample is recorded and replaced by the next good dataset index after it (a deterministic choice, so a run is
/// reproducible whatever the thread timing).
/// </summary>
internal sealed class SampleFetcher(ISegmentationDataset dataset, ISampleTransform transform, BadSamplePolicy policy, BadSampleStatistics statistics)
{
    public (TransformedSample Sample, int Index, string Id) Fetch(int index, SampleKey key)
    {
        for (var attempt = 0; attempt < dataset.Count; attempt++)
        {
            var candidate = (index + attempt) % dataset.Count;
            if (statistics.IsKnownBad(candidate))
            {
                statistics.RecordRepeat();
                continue;
            }
            try
            {
                using var sample = dataset.Load(candidate);
                return (transform.Apply(sample, key with { SampleIndex = candidate }), candidate, sample.Id);
            }
            catch (BadSampleException e) when (policy == BadSamplePolicy.Skip)
            {
                statistics.Record(candidate, e);
            }
            catch (BadSampleException e)
            {
                throw new BadSampleException(e.Reason, e.Path, $"sample {candidate} ('{dataset.GetId(candidate)}') of {dataset.Name}: {e.Message}", e) { Index = candidate };
            }
        }
        throw new InvalidDataException($"every sample of {dataset.Name} is bad ({statistics})");
    }
}
