using U2PL.Segmentation.Data;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Segmentation.Tests.Data;

public class ReaderTests
{
    [Fact]
    public void CamVid_shared_copy_has_the_documented_splits_sizes_and_classes()
    {
        var root = DataFixtures.SharedCamVid();
        Assert.True(root is not null, "../shared/datasets/camvid-180x240 not found beside the checkout");
        var train = CamVidDataset.Open(root!, "train");
        var val = CamVidDataset.Open(root!, "val");
        Assert.Equal(367, train.Count);
        Assert.Equal(101, val.Count);
        Assert.Equal(11, train.ClassCount);
        Assert.Equal(["sky", "building", "pole", "road", "sidewalk", "tree", "sign_symbol", "fence", "car", "pedestrian", "bicyclist"], train.ClassNames);
        Assert.Equal("0001TP_006690", train.GetId(0));
        foreach (var index in new[] { 0, 200, 366 })
        {
            using var sample = train.Load(index);
            Assert.Equal([180L, 240L, 3L], sample.Image.shape);
            Assert.Equal([180L, 240L], sample.Mask!.shape);
            Assert.All(sample.Mask.AsSpan<byte>().ToArray(), v => Assert.True(v < 11 || v == 255));
        }
    }

    [Fact]
    public void CamVid_layout_reads_a_fixture_tree()
    {
        using var f = new DataFixtures();
        f.WriteText("classes.txt", "a", "b", "c");
        f.WriteText("train.txt", "s1", "s2");
        foreach (var stem in new[] { "s1", "s2" })
        {
            f.WriteImage($"images/train/{stem}.jpg", 12, 16);
            f.WriteMask($"masks/train/{stem}.png", 12, 16, (y, x) => (byte)(x < 8 ? 2 : 255));
        }
        var dataset = CamVidDataset.Open(f.Root, "train");
        Assert.Equal(2, dataset.Count);
        Assert.Equal(["a", "b", "c"], dataset.ClassNames);
        using var sample = dataset.Load(1);
        Assert.Equal("s2", sample.Id);
        Assert.Equal(2, sample.Mask!.AsSpan<byte>()[0]);
        Assert.Equal(255, sample.Mask.AsSpan<byte>()[15]);
    }

    [Fact]
    public void Pascal_voc_reads_aug_masks_and_maps_palettized_segmentation_class_masks_back_to_ids()
    {
        using var f = new DataFixtures();
        f.WriteText("ImageSets/Segmentation/train.txt", "2007_000001", "2007_000002");
        f.WriteText("ImageSets/SegmentationAug/train_aug.txt", "2007_000001", "2007_000002", "2008_000003");
        foreach (var id in new[] { "2007_000001", "2007_000002", "2008_000003" })
        {
            f.WriteImage($"JPEGImages/{id}.jpg", 10, 14);
        }
        f.WriteMask("SegmentationClassAug/2007_000001.png", 10, 14, (y, x) => (byte)(y < 5 ? 0 : 15));
        f.WriteMask("SegmentationClassAug/2008_000003.png", 10, 14, (_, _) => 255);
        // 2007_000002 has only VOC's palettized mask: palette index 255 is the (224,224,192) border colour.
        var palette = Enumerable.Range(0, 256).Select(i => i == 255 ? ((byte)224, (byte)224, (byte)192) : MaskColorMap.VocColor(i)).ToArray();
        f.WritePalettePng("SegmentationClass/2007_000002.png", 10, 14, (y, x) => (byte)(x == 0 ? 255 : x % 21), palette);

        var classic = PascalVocDataset.Open(f.Root, VocCandidateSet.Classic);
        var blender = PascalVocDataset.Open(f.Root, VocCandidateSet.Blender);
        Assert.Equal(2, classic.Count);
        Assert.Equal(3, blender.Count);
        Assert.Equal(21, classic.ClassCount);
        using (var aug = classic.Load(0))
        {
            Assert.Equal(0, aug.Mask!.AsSpan<byte>()[0]);
            Assert.Equal(15, aug.Mask.AsSpan<byte>()[9 * 14]);
        }
        using var palettized = classic.Load(1);
        var ids = palettized.Mask!.AsSpan<byte>();
        for (var x = 0; x < 14; x++)
        {
            Assert.Equal(x == 0 ? 255 : x % 21, ids[3 * 14 + x]);
        }
    }

    [Fact]
    public void Pascal_voc_colour_mask_with_a_colour_outside_the_palette_names_file_and_colour()
    {
        using var f = new DataFixtures();
        f.WriteText("list.txt", "x");
        f.WriteImage("JPEGImages/x.jpg", 6, 6);
        var palette = new[] { ((byte)0, (byte)0, (byte)0), ((byte)1, (byte)2, (byte)3) };
        var mask = f.WritePalettePng("SegmentationClass/x.png", 6, 6, (y, x) => (byte)(y == 4 && x == 5 ? 1 : 0), palette);
        var dataset = PascalVocDataset.Open(f.Root, f.PathOf("list.txt"));
        var error = Assert.Throws<BadSampleException>(() => dataset.Load(0));
        Assert.Equal(BadSampleReason.InvalidMaskValue, error.Reason);
        Assert.Contains(mask, error.Message);
        Assert.Contains("(1, 2, 3)", error.Message);
    }

    [Fact]
    public void Cityscapes_pairs_left_img8bit_with_label_train_ids_and_accepts_official_split_lines()
    {
        using var f = new DataFixtures();
        foreach (var (city, name) in new[] { ("bremen", "bremen_000000_000019"), ("aachen", "aachen_000001_000019") })
        {
            f.WriteImage($"leftImg8bit/train/{city}/{name}_leftImg8bit.png", 8, 16);
            f.WriteMask($"gtFine/train/{city}/{name}_gtFine_labelTrainIds.png", 8, 16, (y, x) => (byte)(x % 19));
        }
        var dataset = CityscapesDataset.Open(f.Root, "train");
        Assert.Equal(2, dataset.Count);
        Assert.Equal(19, dataset.ClassCount);
        Assert.Equal("leftImg8bit/train/aachen/aachen_000001_000019_leftImg8bit.png", dataset.GetId(0));
        using (var sample = dataset.Load(1))
        {
            Assert.Equal(15, sample.Mask!.AsSpan<byte>()[15]);
        }
        var split = f.WriteText("splits/labeled.txt", "leftImg8bit/train/bremen/bremen_000000_000019_leftImg8bit.png");
        var fromSplit = CityscapesDataset.Open(f.Root, split, withMasks: true, name: null);
        Assert.Equal(1, fromSplit.Count);
        Assert.EndsWith("bremen_000000_000019_gtFine_labelTrainIds.png", fromSplit.GetFiles(0).MaskPath);
    }

    [Fact]
    public void Folder_layout_matches_stems_and_honours_a_split_list()
    {
        using var f = new DataFixtures();
        f.WriteText("classes.txt", "bg", "fg");
        f.WriteImage("images/b.png", 5, 7);
        f.WriteImage("images/a.jpg", 5, 7);
        f.WriteMask("masks/a.png", 5, 7, (_, _) => 1);
        f.WriteMask("masks/b.png", 5, 7, (_, _) => 0);
        var all = FolderDataset.Open(f.Root);
        Assert.Equal(["a", "b"], new[] { all.GetId(0), all.GetId(1) });
        using (var a = all.Load(0))
        {
            Assert.Equal(1, a.Mask!.AsSpan<byte>()[0]);
        }
        var split = f.WriteText("val.txt", "b");
        var subset = FolderDataset.Open(f.Root, split);
        Assert.Equal(1, subset.Count);
        var unlabeled = FolderDataset.Open(f.Root, split, withMasks: false);
        using var u = unlabeled.Load(0);
        Assert.Null(u.Mask);
    }
}
