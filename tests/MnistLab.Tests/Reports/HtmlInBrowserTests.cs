using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MnistLab.Benchmarks;
using MnistLab.Data;
using MnistLab.Experiments.Linearity;
using MnistLab.Reports;
using MnistLab.Tests.Support;
using MnistLab.Training;
using SkiaSharp;

namespace MnistLab.Tests.Reports;

/// <summary>
/// The HTML pages as a browser shows them: a real report and the index, rendered by headless Chromium from
/// disk. Checked: the page is not blank, it carries the report's headings, every image loaded and decoded.
/// </summary>
public class HtmlInBrowserTests
{
    /// <summary>A linearity report on a tiny synthetic set, inside a lab folder as `run all` lays it out.</summary>
    static string WriteLab(TempDir dir)
    {
        Digits.WriteIdxSet(dir.File("data"), train: 100, test: 50);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.File("data"))!);
        var options = new LinearityOptions { Train = new TrainOptions { Epochs = 2, BatchSize = 10 }, ValidationSize = 20 };
        string lab = dir.File("lab");
        new LinearityExperiment().RunInto(options, Path.Combine(lab, "linearity"), LabData.Of(mnist));
        RunIndex.Write(lab, [RunIndex.Read(lab)], "MnistLab: test lab");
        return lab;
    }

    /// <summary>What the page holds once loaded, read by a script added to a copy of it (the page itself has none).</summary>
    sealed record Probe(string[] H1, string[] H2, int Images, int Loaded, int Tables, int Links);

    static Probe Inspect(string page)
    {
        const string Script = """
            <script>
            window.addEventListener('load', () => {
              const text = s => [...document.querySelectorAll(s)].map(e => e.textContent.trim());
              const images = [...document.images];
              const pre = document.createElement('pre');
              pre.id = 'probe';
              pre.textContent = JSON.stringify({ h1: text('h1'), h2: text('h2'), images: images.length,
                loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
                tables: document.querySelectorAll('table').length, links: document.links.length });
              document.body.appendChild(pre);
            });
            </script>
            """;
        string copy = Path.Combine(Path.GetDirectoryName(page)!, ".probe-" + Path.GetFileName(page));
        File.WriteAllText(copy, File.ReadAllText(page).Replace("</body>", Script + "</body>"));
        try
        {
            string dom = Browser.DumpDom(copy);
            var m = Regex.Match(dom, "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline);
            Assert.True(m.Success, $"the probe did not run in {page}; DOM: {dom[..Math.Min(dom.Length, 500)]}");
            return JsonSerializer.Deserialize<Probe>(WebUtility.HtmlDecode(m.Groups[1].Value), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        }
        finally { File.Delete(copy); }
    }

    /// <summary>A rendered page is not blank: some non-white pixels (text is thin: a page of tables inks about 2%) in many colours.</summary>
    static void AssertNotBlank(string png)
    {
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        var pixels = bitmap.Pixels;
        double inked = pixels.Count(c => c.Red < 240 || c.Green < 240 || c.Blue < 240) / (double)pixels.Length;
        int colours = pixels.Select(c => (uint)c).Distinct().Count();
        Assert.True(inked > 0.005, $"{png}: only {inked:P1} of the pixels are not white");
        Assert.True(colours > 20, $"{png}: only {colours} colours");
    }

    [Fact]
    public void A_report_page_renders_with_its_headings_tables_and_every_image()
    {
        using var dir = new TempDir();
        string report = Path.Combine(WriteLab(dir), "linearity", "report.html");
        string markdown = File.ReadAllText(Path.ChangeExtension(report, ".md"));

        var probe = Inspect(report);
        Assert.Equal(["Limits of linearity on MNIST"], probe.H1);
        Assert.Contains("What it shows", probe.H2);
        Assert.Contains("Confusions on the test set", probe.H2);
        int expectedImages = Regex.Matches(markdown, @"!\[[^\]]*\]\(").Count;
        Assert.True(expectedImages >= 5, $"the report has only {expectedImages} images");
        Assert.Equal(expectedImages, probe.Images);
        Assert.Equal(expectedImages, probe.Loaded); // every PNG beside the page was found and decoded
        Assert.True(probe.Tables >= 2);

        string png = dir.File("report.png");
        Browser.Screenshot(report, png);
        AssertNotBlank(png);
    }

    [Fact]
    public void The_index_renders_and_links_to_each_report_page()
    {
        using var dir = new TempDir();
        string index = Path.Combine(WriteLab(dir), "index.html");
        var probe = Inspect(index);
        Assert.Equal(["MnistLab: test lab"], probe.H1);
        Assert.Contains("Limits of linearity (seed 003)", probe.H2);
        Assert.Equal(2, probe.Links); // report.html and report.md of the one experiment
        Assert.Equal(1, probe.Images); // the chart of headline figures, beside the page
        Assert.Equal(1, probe.Loaded);
        foreach (Match link in Regex.Matches(File.ReadAllText(index), "href=\"([^\"]+)\""))
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(index)!, WebUtility.HtmlDecode(link.Groups[1].Value))), link.Value);

        string png = dir.File("index.png");
        Browser.Screenshot(index, png);
        AssertNotBlank(png);
    }

    [Fact]
    public void The_bench_page_renders_its_ratio_and_ceiling_charts_and_marks_what_is_not_comparable()
    {
        using var dir = new TempDir();
        var figures = new BenchFigures();
        figures.Ratio("fast", "speedup", 1.9, "the speed run's recipe");
        figures.Ratio("ring", "features_speedup", 250, "the ring feature of 70,000 images");
        figures.Ratio("linearity", "idx_load_speedup", 0.8, "reading the IDX files");
        figures.Share("fast", "speed run CNN", 9000, 0.0068, 140, 4500);
        figures.Share("rotated", "ResNet", 230, 0.744, 140, null);
        var blas = PeerBlas.From(JsonDocument.Parse("""{"blas_info":"generic","blas_libraries":["/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"],"matmul_gflops":3.6}""").RootElement, 140);
        var processor = new Processor("Test CPU", "AVX2", ["avx", "avx2", "fma"], "Intel AVX2", null);
        var result = new BenchResult([], 140, blas, figures.Marked(blas), figures.Shares) { Processor = processor };
        string page = dir.File("bench.html");
        File.WriteAllText(page, BenchPage.Html(result));

        var probe = Inspect(page);
        Assert.Equal(["MnistLab bench"], probe.H1);
        Assert.Equal(["Ratios against the peers", "Share of the matmul ceiling"], probe.H2);
        Assert.Equal(2, probe.Images); // the two charts, inlined
        Assert.Equal(2, probe.Loaded);
        Assert.Equal(2, probe.Tables);
        string html = File.ReadAllText(page);
        Assert.Contains("Not comparable:", html);
        Assert.Equal(3, Regex.Matches(html, "<td><strong>no</strong></td>").Count); // each ratio's row says so
        Assert.Equal(3, Regex.Matches(html, "<td>AVX2</td>").Count); // and names the processor family it holds for
        Assert.Contains("Test CPU (AVX2 family: avx, avx2, fma); oneDNN: Intel AVX2", html);

        string png = dir.File("bench.png");
        Browser.Screenshot(page, png);
        AssertNotBlank(png);
    }

    [Fact]
    public void A_table_sorts_by_the_numbers_of_the_column_clicked_and_back()
    {
        using var dir = new TempDir();
        string page = dir.File("table.html");
        File.WriteAllText(page, HtmlPage.FromMarkdown("# Sorting\n\n| feature | fires on | effect |\n| --- | --- | --- |\n| #7 | 9.50% | +0.580 |\n| #12 | 10.25% | −1.057 |\n| #3 | 2.00% | +0.171 |\n"));
        const string Script = """
            <script>
            window.addEventListener('load', () => {
              const column = () => [...document.querySelectorAll('tbody tr')].map(r => r.cells[0].textContent).join(' ');
              const heads = document.querySelectorAll('thead th');
              heads[1].click(); const up = column();
              heads[1].click(); const down = column();
              heads[2].click(); const effect = column();
              const pre = document.createElement('pre');
              pre.id = 'probe';
              pre.textContent = [up, down, effect].join('|');
              document.body.appendChild(pre);
            });
            </script>
            """;
        File.WriteAllText(page, File.ReadAllText(page).Replace("</body>", Script + "</body>"));
        var m = Regex.Match(Browser.DumpDom(page), "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(m.Success, "the probe did not run");
        // By "fires on" as numbers (10.25 after 9.50, not before it as text would), then the other way; by effect, −1.057 first.
        Assert.Equal("#3 #7 #12|#12 #7 #3|#12 #3 #7", WebUtility.HtmlDecode(m.Groups[1].Value));
    }
}
