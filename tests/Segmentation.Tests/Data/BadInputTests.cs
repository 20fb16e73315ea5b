using U2PL.Segmentation.Data;

namespace U2PL.Segmentation.Tests.Data;

public class BadInputTests
{
    private static FileSegmentationDataset FolderWith(DataFixtures f, params string[] ids)
    {
        f.WriteText("classes.txt", "a", "b", "c");
        return FileSegmentationDataset.FromIds(new FolderDataset(f.Root), ids, withMasks: true);
    }

    [Fact]
    public void Corrupt_image_names_the_file()
    {
        using var f = new DataFixtures();
        var image = f.WriteBytes("images/bad.jpg", [0xFF, 0xD8, 0x00, 0x01, 0x02, 0x03, 0x04]);
        f.WriteMask("masks/bad.png", 4, 4, (_, _) => 0);
        var error = Assert.Throws<BadSampleException>(() => FolderWith(f, "bad").Load(0));
        Assert.Equal(BadSampleReason.CorruptImage, error.Reason);
        Assert.Equal(image, error.Path);
        Assert.Contains(image, error.Message);
    }

    [Fact]
    public void Truncated_png_mask_is_reported_as_corrupt()
    {
        using var f = new DataFixtures();
        f.WriteImage("images/t.png", 8, 8);
        var mask = f.WriteMask("masks/t.png", 8, 8, (y, x) => (byte)(x % 3));
        File.WriteAllBytes(mask, File.ReadAllBytes(mask)[..20]);
        var error = Assert.Throws<BadSampleException>(() => FolderWith(f, "t").Load(0));
        Assert.Equal(BadSampleReason.CorruptImage, error.Reason);
        Assert.Contains(mask, error.Message);
    }

    [Fact]
    public void Mask_value_outside_the_classes_names_file_value_and_pixel()
    {
        using var f = new DataFixtures();
        f.WriteImage("images/m.png", 6, 9);
        var mask = f.WriteMask("masks/m.png", 6, 9, (y, x) => (byte)(y == 2 && x == 7 ? 17 : 1));
        var error = Assert.Throws<BadSampleException>(() => FolderWith(f, "m").Load(0));
        Assert.Equal(BadSampleReason.InvalidMaskValue, error.Reason);
        Assert.Contains(mask, error.Message);
        Assert.Contains("value 17", error.Message);
        Assert.Contains("y=2, x=7", error.Message);
    }

    [Fact]
    public void Size_mismatch_names_both_sizes()
    {
        using var f = new DataFixtures();
        var image = f.WriteImage("images/s.png", 10, 12);
        var mask = f.WriteMask("masks/s.png", 9, 12, (_, _) => 0);
        var error = Assert.Throws<BadSampleException>(() => FolderWith(f, "s").Load(0));
        Assert.Equal(BadSampleReason.SizeMismatch, error.Reason);
        Assert.Contains("10x12", error.Message);
        Assert.Contains("9x12", error.Message);
        Assert.Contains(image, error.Message);
        Assert.Contains(mask, error.Message);
    }

    [Fact]
    public void Missing_mask_names_the_file()
    {
        using var f = new DataFixtures();
        f.WriteImage("images/n.png", 4, 4);
        var error = Assert.Throws<BadSampleException>(() => FolderWith(f, "n").Load(0));
        Assert.Equal(BadSampleReason.MissingFile, error.Reason);
        Assert.Equal(f.PathOf("masks", "n.png"), error.Path);
    }

    [Fact]
    public void Split_file_naming_a_missing_file_names_the_split_file_line_and_path()
    {
        using var f = new DataFixtures();
        f.WriteText("classes.txt", "a", "b");
        f.WriteImage("images/ok.png", 4, 4);
        f.WriteMask("masks/ok.png", 4, 4, (_, _) => 0);
        var split = f.WriteText("labeled.txt", "ok", "", "gone");
        var error = Assert.Throws<SplitFileException>(() => FolderDataset.Open(f.Root, split));
        Assert.Equal(split, error.SplitFile);
        Assert.Equal(3, error.Line);
        Assert.Equal(f.PathOf("images", "gone.jpg"), error.MissingPath);
        Assert.Contains("line 3", error.Message);
        Assert.Contains(split, error.Message);
        Assert.Contains("gone.jpg", error.Message);
    }

    [Fact]
    public void Bad_sample_policy_parses_config_values()
    {
        Assert.Equal(BadSamplePolicy.Skip, BadSamplePolicies.Parse("skip"));
        Assert.Equal(BadSamplePolicy.Fail, BadSamplePolicies.Parse("FAIL"));
        Assert.Throws<FormatException>(() => BadSamplePolicies.Parse("ignore"));
    }
}
