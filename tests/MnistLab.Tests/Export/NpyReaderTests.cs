using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Export;

public class NpyReaderTests
{
    [Fact]
    public void Reads_back_what_the_writer_wrote_and_refuses_other_files()
    {
        using var dir = new TempDir();
        string path = dir.File("a.npy");
        var values = Enumerable.Range(0, 24).Select(i => i * 0.5f - 3).ToArray();
        using (var w = new NpyWriter(path, [2, 3, 4])) { w.Append(values); w.Complete(); }
        var (shape, read) = NpyReader.ReadFloat32(path);
        Assert.Equal([2L, 3, 4], shape);
        Assert.Equal(values, read);
        File.WriteAllBytes(dir.File("b.npy"), [1, 2, 3]);
        Assert.Throws<DataFormatException>(() => NpyReader.ReadFloat32(dir.File("b.npy")));
    }
}
