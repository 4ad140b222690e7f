using MnistLab.Analysis.Concepts;
using MnistLab.Common;
using MnistLab.Features;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Concepts;

public class ConceptTests
{
    /// <summary>Images (N, 1, 28, 28) from masks drawn with a function of (row, column).</summary>
    static Tensor Images(params Func<int, int, bool>[] draw)
    {
        var pixels = new float[draw.Length * 784];
        for (int i = 0; i < draw.Length; i++)
            for (int r = 0; r < 28; r++)
                for (int c = 0; c < 28; c++)
                    pixels[i * 784 + r * 28 + c] = draw[i](r, c) ? 1f : 0f;
        return tensor(pixels, [draw.Length, 1, 28, 28]);
    }

    static bool Ring(int r, int c) => r >= 6 && r <= 20 && c >= 8 && c <= 18 && !(r >= 9 && r <= 17 && c >= 11 && c <= 15);
    static bool Bar(int r, int c) => r >= 4 && r <= 23 && c == 14;

    [Fact]
    public void A_one_pixel_line_is_its_own_skeleton()
    {
        var mask = new bool[784];
        for (int c = 3; c < 25; c++) mask[14 * 28 + c] = true;                // horizontal
        for (int k = 0; k < 10; k++) mask[(3 + k) * 28 + 3 + k] = true;       // diagonal
        Assert.Equal(mask, Skeleton.Thin(mask));
    }

    [Fact]
    public void A_thick_bar_thins_to_a_line_along_its_length()
    {
        using var images = Images((r, c) => r >= 4 && r <= 23 && c >= 12 && c <= 16); // 20 rows x 5 columns
        int length = Skeleton.Lengths(images)[0];
        Assert.InRange(length, 14, 20); // one pixel per row, minus what thinning takes from the ends
        var skeleton = Skeleton.Thin(Enumerable.Range(0, 784).Select(p => p / 28 >= 4 && p / 28 <= 23 && p % 28 >= 12 && p % 28 <= 16).ToArray());
        for (int r = 0; r < 28; r++) Assert.True(Enumerable.Range(0, 28).Count(c => skeleton[r * 28 + c]) <= 1, $"row {r} is more than one pixel wide");
    }

    [Fact]
    public void Concepts_of_hand_drawn_digits_have_their_known_values()
    {
        using var images = Images(Ring, Bar, (_, _) => false);
        var set = new ConceptImages(images, [0, 1, 7]);
        Assert.Equal([1.0, 0, 0], new RingConcept().Compute(set).Values);
        Assert.Equal([11.0, 1, 0], new WidthConcept().Compute(set).Values);
        Assert.Equal([15.0, 20, 0], new HeightConcept().Compute(set).Values);
        Assert.Equal([20.0], new StrokeLengthConcept().Compute(set).Values[1..2]); // a one-pixel bar: every pixel is skeleton
        Assert.Equal(0, new StrokeLengthConcept().Compute(set).Values[2]);
        var holes = new HolesConcept().Compute(set);
        Assert.Equal(["0", "1"], holes.ClassNames);
        Assert.Equal([1.0, 0, 0], holes.Values);
        var cls = new ClassConcept().Compute(set);
        Assert.Equal(10, cls.Classes);
        Assert.Equal([0.0, 1, 7], cls.Values);
        // Seed 004's scores are the existing feature's, unchanged.
        using var scores = MnistLab.Features.Concepts.Compute(images);
        Assert.Equal(scores[0, 0].item<float>(), new SizeConcept().Compute(set).Values[0]);
        Assert.Equal(scores[1, 2].item<float>(), new SlantConcept().Compute(set).Values[1]);
    }

    [Fact]
    public void A_csv_column_keyed_by_image_index_is_a_concept_of_its_inferred_kind()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.csv"), "index,label,strokes,angle\n2,7,3,0.5\n0,0,1,0.25\n1,1,2,-1.5\n");
        using var images = Images(Ring, Bar, Bar);
        var set = new ConceptImages(images, [0, 1, 7]);
        var concepts = ConceptRegistry.Resolve(["strokes", "angle", "ring"], dir.File("c.csv"));
        var strokes = concepts[0].Compute(set);
        Assert.Equal(ConceptKind.Discrete, strokes.Kind);
        Assert.Equal(["1", "2", "3"], strokes.ClassNames);
        Assert.Equal([0.0, 1, 2], strokes.Values);
        var angle = concepts[1].Compute(set);
        Assert.Equal(ConceptKind.Continuous, angle.Kind);
        Assert.Equal([0.25, -1.5, 0.5], angle.Values);
        Assert.Equal(ConceptKind.Continuous, ConceptRegistry.Resolve(["strokes:continuous"], dir.File("c.csv"))[0].Compute(set).Kind);
    }

    [Fact]
    public void A_csv_column_named_like_a_built_in_concept_is_refused_naming_the_file_column_and_built_in()
    {
        using var dir = new TempDir();
        string csv = dir.File("mine.csv");
        File.WriteAllText(csv, "index,class,strokes\n0,3,1\n1,5,2\n");
        foreach (var asked in new[] { "class", "class:discrete" })
        {
            var e = Assert.Throws<DataFormatException>(() => ConceptRegistry.Resolve(["strokes", asked], csv));
            Assert.Equal($"{csv}: column 'class' has the name of the built-in concept 'class' ({new ClassConcept().Description}); rename the column to probe it, or leave out the concept CSV to probe the built-in.", e.Message);
        }
        // Columns that clash but are not asked for are no concern, and without the CSV 'class' is the built-in.
        Assert.Equal(["strokes"], ConceptRegistry.Resolve(["strokes"], csv).Select(c => c.Name));
        Assert.IsType<ClassConcept>(ConceptRegistry.Resolve(["class"]).Single());
        string other = dir.File("other.csv");
        File.WriteAllText(other, "index,strokes\n0,1\n");
        Assert.IsType<ClassConcept>(ConceptRegistry.Resolve(["class"], other).Single());
    }

    [Fact]
    public void Bad_concepts_and_csv_files_are_one_line_errors_naming_the_file_and_value()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.csv"), "index,v\n0,1\n1,x\n");
        using var images = Images(Ring, Bar);
        var set = new ConceptImages(images, [0, 1]);
        var unknown = Assert.Throws<InvalidOptionException>(() => ConceptRegistry.Resolve(["nope"]));
        Assert.Contains("ring", unknown.Message);
        var bad = Assert.Throws<DataFormatException>(() => new CsvConcept(dir.File("c.csv"), "v").Compute(set));
        Assert.Contains("line 3", bad.Message);
        File.WriteAllText(dir.File("d.csv"), "index,v\n0,1\n");
        var missing = Assert.Throws<DataFormatException>(() => new CsvConcept(dir.File("d.csv"), "v").Compute(set));
        Assert.Contains("image 1", missing.Message);
        Assert.Throws<InvalidOptionException>(() => ConceptRegistry.Resolve(["w"], dir.File("d.csv"))[0].Compute(set));
        Assert.Throws<InvalidOptionException>(() => ConceptRegistry.Resolve(["ring", "ring"]));
    }

    [Fact]
    public void Every_registered_concept_computes_on_tiny_digits()
    {
        using var set0 = Digits.SeparableSet(3);
        var set = ConceptImages.Of(set0);
        foreach (var concept in ConceptRegistry.All)
        {
            var v = concept.Compute(set);
            Assert.Equal(set.Count, v.Count);
            Assert.Equal(concept.Kind, v.Kind);
        }
    }
}
