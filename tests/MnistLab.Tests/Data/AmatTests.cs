using System.IO.Compression;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class AmatTests
{
    static LabeledImages Small(int n, int seed)
    {
        var (p, l) = Digits.Separable(n / 10, seed: seed);
        return LabeledImages.FromBytes(p, l, "small");
    }

    [Fact]
    public void Files_in_lisas_format_round_trip_from_a_folder_and_from_the_zip()
    {
        using var dir = new TempDir();
        using var tv = Small(30, 1);
        using var test = Small(20, 2);
        Amat.Write(dir.File(Amat.TrainValidName), tv);
        Amat.Write(dir.File(Amat.TestName), test);

        var (a, b) = Amat.Load(dir.Path);
        using (a) using (b)
        {
            Assert.True(a.Images.equal(tv.Images).all().item<bool>());
            Assert.Equal(test.LabelArray(), b.LabelArray());
        }

        string zip = dir.File("mnist_rotation_back_image_new.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(dir.File(Amat.TrainValidName), Amat.TrainValidName);
            archive.CreateEntryFromFile(dir.File(Amat.TestName), "sub/" + Amat.TestName);
        }
        var (c, d) = Amat.Load(zip);
        using (c) using (d)
        {
            Assert.Equal(30, c.Count);
            Assert.True(d.Images.equal(test.Images).all().item<bool>());
        }
    }

    [Fact]
    public void Transpose_swaps_rows_and_columns()
    {
        var row = string.Join(' ', Enumerable.Range(0, 784).Select(p => p == 1 ? "1" : "0")) + " 3";
        var (plain, _) = Amat.Read(new StringReader(row), "x");
        var (t, _) = Amat.Read(new StringReader(row), "x", transpose: true);
        Assert.Equal(1f, plain[1]);    // row 0, column 1
        Assert.Equal(1f, t[28]);       // row 1, column 0
    }

    [Theory]
    [InlineData(783, "line 2: 783 fields, expected 785")]
    [InlineData(786, "line 2: 786 fields, expected 785")]
    public void A_row_of_the_wrong_length_names_its_line(int fields, string expected)
    {
        var good = string.Join(' ', Enumerable.Repeat("0.5", 784)) + " 1";
        var bad = string.Join(' ', Enumerable.Repeat("0.5", fields - 1)) + " 1";
        var e = Assert.Throws<DataFormatException>(() => Amat.Read(new StringReader(good + "\n" + bad), "f.amat"));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("abc", "line 1, field 5: 'abc' is not a number")]
    [InlineData("NaN", "'NaN' is not a number")]
    public void A_value_that_does_not_parse_names_its_line_and_field(string value, string expected)
    {
        var fields = Enumerable.Repeat("0.5", 785).ToArray();
        fields[4] = value;
        var e = Assert.Throws<DataFormatException>(() => Amat.Read(new StringReader(string.Join(' ', fields)), "f.amat"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_label_that_is_not_a_digit_is_refused()
    {
        var row = string.Join(' ', Enumerable.Repeat("0", 784)) + " 3.5";
        Assert.Contains("label 3.5", Assert.Throws<DataFormatException>(() => Amat.Read(new StringReader(row), "f")).Message);
    }

    [Theory]
    [InlineData("../evil.amat")]
    [InlineData("a/../../evil.amat")]
    [InlineData("/tmp/evil.amat")]
    public void Extraction_refuses_entries_that_would_land_outside_the_target(string entryName)
    {
        using var dir = new TempDir();
        string zip = dir.File("bad.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(archive.CreateEntry("fine.txt").Open())) w.Write("ok");
            using (var w = new StreamWriter(archive.CreateEntry(entryName).Open())) w.Write("x");
        }
        string target = Path.Combine(dir.Path, "out");
        var e = Assert.Throws<DataFormatException>(() => Amat.ExtractSafely(zip, target));
        Assert.Contains("outside", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "evil.amat")));
        Assert.False(File.Exists(Path.Combine(target, "fine.txt")), "nothing is extracted from a refused archive");
    }

    [Fact]
    public void Extraction_of_a_clean_archive_writes_its_files()
    {
        using var dir = new TempDir();
        string zip = dir.File("ok.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            using (var w = new StreamWriter(archive.CreateEntry("d/x.amat").Open())) w.Write("hello");
        Amat.ExtractSafely(zip, dir.File("out"));
        Assert.Equal("hello", File.ReadAllText(dir.File("out/d/x.amat")));
    }
}
