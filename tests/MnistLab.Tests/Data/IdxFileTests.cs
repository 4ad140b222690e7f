using System.Buffers.Binary;
using System.IO.Compression;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class IdxFileTests
{
    static IdxImages ThreeImages()
    {
        var pixels = new byte[3 * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 256);
        return new IdxImages(pixels, 3, 28, 28);
    }

    [Fact]
    public void Images_round_trip_exactly()
    {
        using var dir = new TempDir();
        var images = ThreeImages();
        IdxFile.WriteImages(dir.File("img"), images);
        var back = IdxFile.ReadImages(dir.File("img"));
        Assert.Equal((3, 28, 28), (back.Count, back.Rows, back.Columns));
        Assert.Equal(images.Pixels, back.Pixels);
    }

    [Fact]
    public void Labels_round_trip_exactly()
    {
        using var dir = new TempDir();
        byte[] labels = [0, 9, 3, 3, 7];
        IdxFile.WriteLabels(dir.File("lab"), labels);
        Assert.Equal(labels, IdxFile.ReadLabels(dir.File("lab")));
    }

    [Fact]
    public void Gzipped_files_are_read_by_their_magic_not_their_name()
    {
        using var dir = new TempDir();
        IdxFile.WriteImages(dir.File("img"), ThreeImages());
        using (var gz = new GZipStream(File.Create(dir.File("img-without-extension")), CompressionLevel.Fastest))
            gz.Write(File.ReadAllBytes(dir.File("img")));
        Assert.Equal(ThreeImages().Pixels, IdxFile.ReadImages(dir.File("img-without-extension")).Pixels);
    }

    [Fact]
    public void Bad_magic_names_the_file_and_the_expected_number()
    {
        using var dir = new TempDir();
        IdxFile.WriteImages(dir.File("img"), ThreeImages());
        var bytes = File.ReadAllBytes(dir.File("img"));
        BinaryPrimitives.WriteInt32BigEndian(bytes, 1234);
        File.WriteAllBytes(dir.File("img"), bytes);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("img")));
        Assert.Contains(dir.File("img"), e.Message);
        Assert.Contains("1234", e.Message);
        Assert.Contains("2051", e.Message);
    }

    [Fact]
    public void A_label_file_given_as_images_says_so()
    {
        using var dir = new TempDir();
        IdxFile.WriteLabels(dir.File("lab"), new byte[] { 1, 2 });
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("lab")));
        Assert.Contains("label file", e.Message);
    }

    [Theory]
    [InlineData(-1)]   // truncated by one byte
    [InlineData(-784)] // a whole image missing
    [InlineData(5)]    // trailing garbage
    public void Wrong_length_is_an_error_with_both_lengths(int delta)
    {
        using var dir = new TempDir();
        IdxFile.WriteImages(dir.File("img"), ThreeImages());
        var bytes = File.ReadAllBytes(dir.File("img"));
        var changed = new byte[bytes.Length + delta];
        Array.Copy(bytes, changed, Math.Min(bytes.Length, changed.Length));
        File.WriteAllBytes(dir.File("img"), changed);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("img")));
        Assert.Contains($"{changed.Length} bytes", e.Message);
        Assert.Contains($"expected exactly {bytes.Length}", e.Message);
    }

    [Fact]
    public void A_file_shorter_than_its_header_is_an_error()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("img"), [0, 0, 8]);
        Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("img")));
        Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(dir.File("img")));
    }

    [Fact]
    public void Truncated_label_file_is_an_error()
    {
        using var dir = new TempDir();
        IdxFile.WriteLabels(dir.File("lab"), new byte[] { 1, 2, 3 });
        var bytes = File.ReadAllBytes(dir.File("lab"));
        File.WriteAllBytes(dir.File("lab"), bytes[..^1]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(dir.File("lab")));
        Assert.Contains("expected exactly 11", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<MnistLabException>(() => IdxFile.ReadLabels("/nonexistent/labels"));
        Assert.Contains("/nonexistent/labels", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_an_error_not_a_crash()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("img.gz"), [0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("img.gz")));
    }
}
