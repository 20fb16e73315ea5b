using U2PL.Segmentation.Data;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.Tests.Training;

public class DatasetTypesTests
{
    [Fact]
    public void The_file_types_are_built_in_and_an_unknown_type_names_the_known_ones()
    {
        Assert.Equal(["camvid", "cityscapes", "folder", "pascal"], DatasetTypes.Files.Names);
        var error = Assert.Throws<ArgumentException>(() => DatasetTypes.Files.Get("synthetic"));
        Assert.Equal("unknown dataset type 'synthetic' (known: camvid, cityscapes, folder, pascal)", error.Message);
    }

    [Fact]
    public void A_registered_type_opens_and_a_name_registered_twice_throws()
    {
        var types = DatasetTypes.Files.With(new EmptyType());
        Assert.Contains("empty", types.Names);
        Assert.Same(types.Get("empty"), types.Resolve(new DataOptions { Type = "empty" }));
        Assert.DoesNotContain("empty", DatasetTypes.Files.Names); // With returns a new catalogue
        Assert.Throws<ArgumentException>(() => types.With(new EmptyType()));
    }

    [Fact]
    public void A_file_type_needs_an_existing_data_root()
    {
        var missing = Assert.Throws<ArgumentException>(() => TrainingDatasets.OpenValidation(new DataOptions { Type = "camvid" }, DatasetTypes.Files));
        Assert.Equal("dataset.data_root: required for dataset type 'camvid'", missing.Message);
        var absent = FileDatasetType.Folder.Validate(new DataOptions { Type = "folder", Root = "/no/such/folder" });
        Assert.Equal(["dataset.data_root: no such folder '/no/such/folder'"], absent);
    }

    private sealed class EmptyType : IDatasetType
    {
        public string Name => "empty";

        public IReadOnlyList<string> Validate(DataOptions options) => [];

        public ISegmentationDataset OpenTrain(DataOptions options) => throw new NotSupportedException();

        public ISegmentationDataset OpenValidation(DataOptions options) => throw new NotSupportedException();
    }
}
