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
    public void Loaded_data_carries_the_hashes_of_the_bytes_it_was_read_from()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10); // well-formed, and not MNIST
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        foreach (var file in MnistFiles.All)
        {
            string measured = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, file.Name))));
            Assert.Equal(measured, mnist.Provenance.Sha256[file.Name]);
            Assert.NotEqual(file.Sha256, measured);
        }
    }

    [Fact]
    public void Gzipped_files_are_hashed_as_their_uncompressed_bytes_under_the_plain_name()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        string labels = Path.Combine(dir.Path, MnistFiles.TestLabelsFile.Name);
        string expected = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(labels)));
        using (var gz = new System.IO.Compression.GZipStream(File.Create(labels + ".gz"), System.IO.Compression.CompressionLevel.Fastest)) gz.Write(File.ReadAllBytes(labels));
        File.Delete(labels);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        Assert.Equal(expected, mnist.Provenance.Sha256[MnistFiles.TestLabelsFile.Name]);
    }
}
