using System.Security.Cryptography;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class DataProvenanceTests
{
    [Fact]
    public void Files_are_hashed_as_they_are_on_disk()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.amat"), "0.5 1\n");
        var p = DataProvenance.OfFiles("rot-back", [dir.File("a.amat")]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dir.File("a.amat")))), p.Sha256["a.amat"]);
    }

    [Fact]
    public void Verified_mnist_lists_the_four_original_hashes()
    {
        Assert.Equal(MnistFiles.All.Select(f => f.Sha256), DataProvenance.VerifiedMnist.Sha256.Values);
        Assert.Equal("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", DataProvenance.VerifiedMnist.Sha256["train-images-idx3-ubyte"]);
    }
}
