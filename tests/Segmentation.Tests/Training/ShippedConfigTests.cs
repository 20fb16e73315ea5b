using U2PL.Segmentation.Configuration;
using U2PL.Segmentation.Method;
using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.Tests.Training;

public class ShippedConfigTests
{
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "U2PL.Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found");
    }

    private static string ConfigsDirectory() => Path.Combine(RepositoryRoot(), "configs");

    public static TheoryData<string> Configs() => new(Directory.GetFiles(ConfigsDirectory(), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Configs))]
    public void Every_shipped_config_validates(string name)
    {
        var dataRoot = Directory.CreateTempSubdirectory("u2pl-config-").FullName;
        try
        {
            var path = Path.Combine(ConfigsDirectory(), name);
            List<string> overrides = [$"dataset.data_root={dataRoot}"];
            // Users run u2pl from the repository root (README), so that is where a relative net.pretrained must exist.
            if (ConfigTree.Load(path).String("net.pretrained") is { } pretrained && !Path.IsPathRooted(pretrained))
            {
                overrides.Add($"net.pretrained={Path.Combine(RepositoryRoot(), pretrained)}");
            }
            var options = TrainingConfigReader.Read(path, overrides);
            Assert.True(options.Method.Epochs > 0);
            Assert.Equal(ContrastiveVariant.Paper, options.Method.ContrastiveOptions.Variant);
        }
        finally
        {
            Directory.Delete(dataRoot);
        }
    }

    [Fact]
    public void The_official_hyper_parameters_are_read_from_their_keys()
    {
        var dataRoot = Directory.CreateTempSubdirectory("u2pl-config-").FullName;
        var options = TrainingConfigReader.Read(Path.Combine(ConfigsDirectory(), "cityscapes-744.yaml"), [$"dataset.data_root={dataRoot}"]);
        Directory.Delete(dataRoot);
        Assert.Equal(ResNetArchitecture.ResNet101, options.Model.Architecture);
        Assert.Equal(19, options.Model.NumClasses);
        Assert.True(options.Method.SupervisedLoss.Ohem);
        Assert.Equal(100_000, options.Method.SupervisedLoss.OhemMinKept);
        Assert.Equal(0.2, options.Method.Alpha0, 12);
        Assert.Equal(0.01, options.LearningRate);
        Assert.Equal(769, options.Data.TrainAugmentation.CropHeight);
    }

    [Fact]
    public void Set_overrides_apply_before_validation_and_every_problem_is_reported()
    {
        var path = Path.Combine(ConfigsDirectory(), "synthetic.yaml");
        var error = Assert.Throws<ConfigException>(() => TrainingConfigReader.Read(path,
            ["trainer.epochs=0", "trainer.contrastive.temperature=-1", "net.arch=vgg16", "dataset.colour=blue"]));
        Assert.Contains(error.Problems, p => p.Contains("trainer.epochs must be at least 1"));
        Assert.Contains(error.Problems, p => p.Contains("contrastive.temperature must be positive"));
        Assert.Contains(error.Problems, p => p.Contains("net.arch: expected one of resnet18, resnet50, resnet101, resnet18-3b, got 'vgg16'"));
        Assert.Contains(error.Problems, p => p.Contains("dataset.colour: unknown key"));
        var ok = TrainingConfigReader.Read(path, ["trainer.epochs=7", "trainer.contrastive.variant=official"]);
        Assert.Equal(7, ok.Method.Epochs);
        Assert.Equal(ContrastiveVariant.Official, ok.Method.ContrastiveOptions.Variant);
    }
}
