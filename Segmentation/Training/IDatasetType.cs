using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Training;

/// <summary>
/// A kind of dataset a config names in <c>dataset.type</c>: how its training and validation sets open from
/// <see cref="DataOptions"/>. The file types are built in (<see cref="FileDatasetType"/>); a host adds others to its
/// <see cref="DatasetTypes"/>.
/// </summary>
public interface IDatasetType
{
    /// <summary>The <c>dataset.type</c> value, lower case ("camvid").</summary>
    string Name { get; }

    /// <summary>Every problem with <paramref name="options"/> for this type (empty when it can open).</summary>
    IReadOnlyList<string> Validate(DataOptions options);

    /// <summary>The training set: every candidate, labeled and unlabeled, with masks.</summary>
    ISegmentationDataset OpenTrain(DataOptions options);

    /// <summary>The validation set, with masks.</summary>
    ISegmentationDataset OpenValidation(DataOptions options);
}
