using System.Net.Http.Json;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using PuppeteerSharp;
using PuppeteerSharp.Input;
using Xunit.Abstractions;
using Chromium = MnistLab.Tests.Support.Browser;
using static TorchSharp.torch;

namespace MnistLab.Tests.Serve;

/// <summary>
/// The page in a real browser: Debian's Chromium, headless, driven through the DevTools protocol (PuppeteerSharp pointed
/// at the system's browser; nothing downloaded). A model trained here for one epoch on the real MNIST is served; the test
/// draws a 1 and a 0 with the mouse and reads the predicted class the page shows, checks that the attribution map is
/// drawn for two methods, ablates the unit the page lists as most active and sees the probabilities move, loads a
/// test image by index, uploads it as a PNG, compares it with a second, untrained model's probabilities and map, reads its concepts, shows a unit's top test images and reads one, opens the model's
/// mistakes and reads one, opens the projector and reads the image of the point it clicks, and opens a run's report from its link. Screenshots go to screenshots/ beside the test assembly. Without Chromium it is skipped, and says so.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class ServeBrowserTests(RealMnist mnist, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Drawing_a_digit_shows_its_class_its_map_and_what_ablating_a_unit_does()
    {
        string? chromium = Chromium.TryExecutable;
        Skip.If(chromium is null, "no Chromium on PATH (scripts/setup.sh installs Debian's chromium): the browser test did not run.");

        using var dir = new TempDir();
        WriteRuns(dir.File("runs"));
        // The server in its own process, as a user runs it: nothing of this test's (or the browser driver's) runs beside it.
        using var server = ServeProcess.Start("--runs", dir.File("runs"));
        string origin = server.Address.GetLeftPart(UriPartial.Authority);

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true, ExecutablePath = chromium, UserDataDir = dir.File("profile"),
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"],
        });
        await using var page = await browser.NewPageAsync();
        // The test's own probes run as evaluated functions, which the page's policy (no eval) would refuse; what the page
        // loads is checked below by the requests it makes, and the policy itself by the API tests.
        await page.SetBypassCSPAsync(true);
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        var problems = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) problems.Add($"console: {e.Message.Text}"); };
        page.PageError += (_, e) => problems.Add($"script error: {e.Message}");
        page.RequestFailed += (_, e) => problems.Add($"failed: {e.Request.Url}");
        page.Request += (_, e) => { if (!e.Request.Url.StartsWith(origin, StringComparison.Ordinal)) problems.Add($"request outside the server: {e.Request.Url}"); };

        await page.GoToAsync(server.Address.ToString(), WaitUntilNavigation.Load);
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'ready' && document.getElementById('model').options.length === 2");

        // A 1: one stroke down the middle.
        await Draw(page, [(140, 40), (138, 140), (136, 240)]);
        Assert.Equal("1", await Shown(page));
        await Screenshot(page, "serve-draw-1.png");

        // A 0: a closed oval.
        await Click(page, "#clear");
        var oval = Enumerable.Range(0, 41).Select(i => (140 + 65 * Math.Sin(i * Math.PI / 20), 140 - 95 * Math.Cos(i * Math.PI / 20))).ToArray();
        await Draw(page, oval);
        Assert.Equal("0", await Shown(page));
        string igMap = await MapPixels(page);
        Assert.True(await Coloured(page) > 20, "the attribution map of ig is blank");

        // Another method: the map is drawn again, and differs.
        await Change(page, "#method", "saliency");
        Assert.True(await Coloured(page) > 20, "the attribution map of saliency is blank");
        Assert.NotEqual(igMap, await MapPixels(page));

        // Ablate the unit the page lists as most active: the probabilities move.
        string unit = await page.EvaluateExpressionAsync<string>("document.getElementById('most-active').dataset.unit");
        await Click(page, $"#units [data-unit='{unit}']");
        var rows = await page.EvaluateExpressionAsync<double[][]>(
            "[...document.querySelectorAll('#probs tbody tr')].map(r => [Number(r.dataset.before), Number(r.dataset.after)])");
        Assert.Equal(10, rows.Length);
        Assert.True(rows.Max(r => Math.Abs(r[0] - r[1])) > 1e-4, $"ablating unit {unit} changed no probability");
        Assert.Contains($"relu1: {unit} (zero)", await page.EvaluateExpressionAsync<string>("document.getElementById('ablations').textContent"));
        await Screenshot(page, "serve-ablate.png");

        // Reset restores the model: no 'after' column.
        await Click(page, "#reset");
        Assert.Equal("none", await page.EvaluateExpressionAsync<string>("document.getElementById('ablations').textContent"));

        // A test image by index: its label, and the class the API gives for it.
        await page.EvaluateExpressionAsync("document.getElementById('test-index').value = '3'");
        await Click(page, "#load-test");
        var client = server.Client;
        var image = await client.GetFromJsonAsync<JsonElement>("/api/images/test/3");
        var predicted = await (await client.PostAsJsonAsync("/api/predict", new { model = "runs/browser/mlp", image = image.GetProperty("image") })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"true class: {image.GetProperty("label").GetInt32()}", await page.EvaluateExpressionAsync<string>("document.getElementById('label').textContent"));
        Assert.Equal(predicted.GetProperty("predicted").GetInt32().ToString(), await Shown(page));

        // The same test image as a PNG, dark ink on light, uploaded: inverted back, read as pixels, the same class.
        string pngFile = dir.File("three.png");
        var pixels = image.GetProperty("image").EnumerateArray().Select(v => (byte)(255 - Math.Round(255 * v.GetDouble()))).ToArray();
        using (var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(28, 28, SkiaSharp.SKColorType.Gray8)))
        {
            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using var png = SkiaSharp.SKImage.FromBitmap(bitmap);
            using var encoded = png.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(pngFile, encoded.ToArray());
        }
        await Updated(page, async () => { await (await page.QuerySelectorAsync("#png")).UploadFileAsync(pngFile); return 0; });
        Assert.Equal("three.png: 28x28, inverted (dark ink on light)", await page.EvaluateExpressionAsync<string>("document.getElementById('label').textContent"));
        Assert.Equal(predicted.GetProperty("predicted").GetInt32().ToString(), await Shown(page));

        // A second model beside the first: its probabilities, as the API gives them for the same image, and its map.
        await Change(page, "#compare", "runs/browser/untrained");
        var untrained = await (await client.PostAsJsonAsync("/api/predict", new { model = "runs/browser/untrained", image = image.GetProperty("image") })).Content.ReadFromJsonAsync<JsonElement>();
        var compared = await page.EvaluateExpressionAsync<double[]>("[...document.querySelectorAll('#probs tbody tr')].map(r => Number(r.dataset.compare))");
        Assert.Equal(untrained.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()), compared, (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(untrained.GetProperty("predicted").GetInt32().ToString(), await page.EvaluateExpressionAsync<string>("document.getElementById('predicted').dataset.compare"));
        Assert.True(await Coloured(page, "compare-map") > 20, "the second model's map is blank");
        await Screenshot(page, "serve-compare.png");
        await Change(page, "#compare", "");
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#probs .bar.compare').length"));

        // Its concepts, as the library names them.
        Assert.Equal(["ring", "holes", "euler", "size", "thick", "slant", "width", "height", "stroke"],
            await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#concepts tr')].map(r => r.dataset.concept)"));
        // What each concept's probe at relu1 reads off it, beside the concept itself.
        await Change(page, "#probe-point", "relu1");
        var readings = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#concepts tr')].map(r => r.dataset.reading)");
        Assert.Equal(9, readings.Length);
        Assert.All(readings, r => Assert.False(string.IsNullOrEmpty(r)));
        Assert.StartsWith("Probes at relu1 (128 values), fitted on 8,000 test images", await page.EvaluateExpressionAsync<string>("document.getElementById('probe-note').textContent"));
        await Screenshot(page, "serve-probes.png");
        await Change(page, "#probe-point", "");

        // A click that shows a unit's top test images: the 16 the API gives, a map drawn, and a click reads one.
        await page.SelectAsync("#click", "top");
        unit = await page.EvaluateExpressionAsync<string>("document.getElementById('most-active').dataset.unit");
        await page.ClickAsync($"#units [data-unit='{unit}']");
        await page.WaitForFunctionAsync($"() => document.getElementById('unit-panel').dataset.unit === 'relu1/{unit}' && document.getElementById('unit-panel').dataset.state === 'ready'",
            new WaitForFunctionOptions { Timeout = 30_000 });
        var top = await page.EvaluateExpressionAsync<int[]>("[...document.querySelectorAll('#top-images canvas')].map(c => Number(c.dataset.index))");
        var expectedTop = await client.GetFromJsonAsync<JsonElement>($"/api/units/runs/browser/mlp/relu1/{unit}");
        Assert.Equal(expectedTop.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("index").GetInt32()), top);
        Assert.True(await Coloured(page, "unit-map") > 20, "the unit's mean map is blank");
        await Screenshot(page, "serve-top-images.png");
        await Click(page, "#top-images canvas");
        Assert.Equal(top[0].ToString(), await page.EvaluateExpressionAsync<string>("document.getElementById('test-index').value"));

        // The model's mistakes: the largest cell of the table, its first image made the current one.
        await page.ClickAsync("#open-mistakes");
        await page.WaitForFunctionAsync("() => document.querySelector('#confusion td.count') && document.getElementById('mistakes-panel').dataset.state === 'ready'");
        var cell = await page.EvaluateExpressionAsync<int[]>(
            "(() => { const c = [...document.querySelectorAll('#confusion td.count')].sort((a, b) => b.dataset.count - a.dataset.count)[0]; " +
            "return [Number(c.dataset.label), Number(c.dataset.predicted), Number(c.dataset.count)]; })()");
        Assert.NotEqual(cell[0], cell[1]);
        await page.ClickAsync($"#confusion td[data-label='{cell[0]}'][data-predicted='{cell[1]}']");
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('#mistakes canvas').length === {Math.Min(cell[2], 48)} && document.getElementById('mistakes-panel').dataset.state === 'ready'");
        Assert.Equal(new[] { cell[0], cell[1] }, await page.EvaluateExpressionAsync<int[]>(
            "[...new Set([...document.querySelectorAll('#mistakes canvas')].map(c => c.dataset.label + ' ' + c.dataset.predicted))].flatMap(s => s.split(' ').map(Number))"));
        await Screenshot(page, "serve-mistakes.png");
        await Click(page, "#mistakes canvas");
        Assert.Equal($"true class: {cell[0]}", await page.EvaluateExpressionAsync<string>("document.getElementById('label').textContent"));
        Assert.Equal(cell[1].ToString(), await Shown(page));

        // The projector: relu1's PCA drawn; a click on the point drawn furthest right reads that test image.
        await page.SelectAsync("#projector-point", "relu1");
        await page.ClickAsync("#open-projector");
        await page.WaitForFunctionAsync("() => document.getElementById('projector-panel').dataset.point === 'relu1' && document.getElementById('projector-panel').dataset.state === 'ready'",
            new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.True(await Coloured(page, "projector") > 1000, "the projector drew no points");
        output.WriteLine(await page.EvaluateExpressionAsync<string>("document.getElementById('projector-summary').textContent"));
        var again = await client.GetFromJsonAsync<JsonElement>("/api/projection/runs%2Fbrowser%2Fmlp/relu1");
        output.WriteLine($"asked again: {again.GetProperty("seconds").GetDouble():F4} s");
        var chosen = await page.EvaluateExpressionAsync<double[]>(
            "(() => { const p = state.projection; let i = 0; for (let j = 0; j < p.px.length; j++) if (p.px[j] > p.px[i]) i = j; return [i, p.px[i], p.py[i]]; })()");
        // Points drawn on the same pixel as the chosen one: the click may read any of them.
        var same = await page.EvaluateExpressionAsync<int[]>(
            $"[...state.projection.px.keys()].filter(j => Math.hypot(state.projection.px[j] - {chosen[1]}, state.projection.py[j] - {chosen[2]}) < 0.5)");
        var box = await (await page.QuerySelectorAsync("#projector")).BoundingBoxAsync();
        await page.Mouse.MoveAsync(box.X + 1 + (decimal)chosen[1], box.Y + 1 + (decimal)chosen[2]);
        Assert.StartsWith("test image ", await page.EvaluateExpressionAsync<string>("document.getElementById('projector-hover').textContent"));
        // Coloured by a concept of the test images: a discrete one by its classes, a continuous one on a ramp by rank.
        await page.SelectAsync("#projector-colour", "concept:ring");
        Assert.Equal("concept:ring", await page.EvaluateExpressionAsync<string>("document.getElementById('projector-panel').dataset.colour"));
        Assert.Equal(["ring 0", "ring 1"], await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#projector-legend span')].map(s => s.textContent)"));
        Assert.True(await Coloured(page, "projector") > 1000, "the projector drew no points coloured by the ring");
        await page.SelectAsync("#projector-colour", "concept:slant");
        var ramp = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#projector-legend span')].map(s => s.textContent)");
        Assert.Equal(3, ramp.Length);
        Assert.EndsWith("(median)", ramp[1]);
        await Screenshot(page, "serve-projector-slant.png");
        await page.SelectAsync("#projector-colour", "label");
        await Screenshot(page, "serve-projector.png");
        await Updated(page, async () => { await page.Mouse.ClickAsync(box.X + 1 + (decimal)chosen[1], box.Y + 1 + (decimal)chosen[2]); return 0; });
        int read = int.Parse(await page.EvaluateExpressionAsync<string>("document.getElementById('test-index').value"));
        Assert.Contains(read, same);
        int label = await page.EvaluateExpressionAsync<int>($"state.projection.answer.labels[{read}]");
        Assert.Equal($"true class: {label}", await page.EvaluateExpressionAsync<string>("document.getElementById('label').textContent"));
        // The run's report, from the page's link: served as written, its figure loaded from beside it.
        string href = await page.EvaluateExpressionAsync<string>("[...document.querySelectorAll('#runs a')].find(a => a.textContent === 'browser/demo').href");
        Assert.Equal($"{origin}/runs/runs/browser/demo/report.html", href);
        await using (var report = await browser.NewPageAsync())
        {
            await report.GoToAsync(href, WaitUntilNavigation.Load);
            Assert.Equal("A demo report", await report.EvaluateExpressionAsync<string>("document.querySelector('h1').textContent"));
            Assert.Equal(20, await report.EvaluateExpressionAsync<int>("document.querySelector('img').naturalWidth"));
        }

        Assert.Empty(problems);
        Assert.Equal(0, server.Stop());
    }

    /// <summary>
    /// The same page in Debian's Firefox ESR, through WebDriver BiDi: a 1 and a 0 drawn with the mouse and read, the map
    /// drawn for two methods, the most active unit ablated, a test image loaded by index, the projector drawn. Without
    /// Firefox it is skipped, and says so.
    /// </summary>
    [SkippableFact]
    public async Task The_page_draws_reads_explains_and_ablates_in_firefox()
    {
        string? firefox = Chromium.TryFirefox;
        Skip.If(firefox is null, "no Firefox on PATH (scripts/setup.sh installs Debian's firefox-esr): the Firefox test did not run.");
        using var dir = new TempDir();
        WriteRuns(dir.File("runs"));
        using var server = ServeProcess.Start("--runs", dir.File("runs"));
        await using var page = await FirefoxPage.Launch(firefox, dir.File("firefox-profile"));
        async Task Update(Func<Task> act)
        {
            int before = await page.Eval<int>("Number(document.body.dataset.updates)");
            await act();
            await page.WaitFor($"Number(document.body.dataset.updates) > {before} && document.body.dataset.state === 'ready'");
        }
        async Task Draw((double X, double Y)[] stroke)
        {
            var box = await page.Eval<double[]>("(() => { const r = document.getElementById('draw').getBoundingClientRect(); return [r.left, r.top]; })()");
            await Update(() => page.Drag([.. stroke.Select(p => (box[0] + p.X, box[1] + p.Y))]));
        }
        Task<string> Shown() => page.Eval<string>("document.getElementById('predicted').dataset.predicted");
        Task<int> Coloured(string canvas = "map") => page.Eval<int>($$"""
            (() => { const c = document.getElementById('{{canvas}}'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0; for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 2]) > 30) n++; return n; })()
            """);

        await page.GoTo(server.Address.ToString());
        await page.WaitFor("document.body.dataset.state === 'ready' && document.getElementById('model').options.length === 2");

        await Draw([(140, 40), (138, 140), (136, 240)]);
        Assert.Equal("1", await Shown());
        await Update(() => page.Eval<bool>("(document.getElementById('clear').click(), true)"));
        await Draw([.. Enumerable.Range(0, 41).Select(i => (140 + 65 * Math.Sin(i * Math.PI / 20), 140 - 95 * Math.Cos(i * Math.PI / 20)))]);
        Assert.Equal("0", await Shown());
        Assert.True(await Coloured() > 20, "the attribution map of ig is blank in Firefox");
        string igMap = await page.Eval<string>("document.getElementById('map').toDataURL()");
        await Update(() => page.Eval<bool>("(() => { const s = document.getElementById('method'); s.value = 'saliency'; s.dispatchEvent(new Event('change')); return true; })()"));
        Assert.True(await Coloured() > 20, "the attribution map of saliency is blank in Firefox");
        Assert.NotEqual(igMap, await page.Eval<string>("document.getElementById('map').toDataURL()"));
        await page.Screenshot(ScreenshotPath("firefox-serve-draw-0.png"));

        string unit = await page.Eval<string>("document.getElementById('most-active').dataset.unit");
        await Update(() => page.Eval<bool>($"(document.querySelector(\"#units [data-unit='{unit}']\").click(), true)"));
        var rows = await page.Eval<double[][]>("[...document.querySelectorAll('#probs tbody tr')].map(r => [Number(r.dataset.before), Number(r.dataset.after)])");
        Assert.Equal(10, rows.Length);
        Assert.True(rows.Max(r => Math.Abs(r[0] - r[1])) > 1e-4, $"ablating unit {unit} changed no probability in Firefox");

        await page.Eval<bool>("(document.getElementById('test-index').value = '3', true)");
        await Update(() => page.Eval<bool>("(document.getElementById('load-test').click(), true)"));
        var image = await server.Client.GetFromJsonAsync<JsonElement>("/api/images/test/3");
        Assert.Equal($"true class: {image.GetProperty("label").GetInt32()}", await page.Eval<string>("document.getElementById('label').textContent"));

        await page.Eval<bool>("(() => { const s = document.getElementById('projector-point'); s.value = 'relu1'; s.dispatchEvent(new Event('change')); return true; })()");
        await page.Eval<bool>("(document.getElementById('open-projector').click(), true)");
        await page.WaitFor("document.getElementById('projector-panel').dataset.point === 'relu1' && document.getElementById('projector-panel').dataset.state === 'ready'", 60);
        Assert.True(await Coloured("projector") > 1000, "the projector drew no points in Firefox");
        await page.Screenshot(ScreenshotPath("firefox-serve-projector.png"));

        Assert.Empty(page.Errors);
        Assert.Equal(0, server.Stop());
    }

    /// <summary>The run folder both browsers are served: an MLP trained for one epoch, an untrained one to compare with, a report with a figure.</summary>
    void WriteRuns(string runs)
    {
        string checkpoints = Path.Combine(runs, "browser", "checkpoints");
        Directory.CreateDirectory(checkpoints);
        using (var g = Seeds.Generator(0, "serve-browser/init"))
        using (var model = new Mlp(new MlpSpec(Hidden: 128), g))
        {
            var history = Trainer.Train(model, mnist.Data.Train, mnist.Data.Test, LossKind.CrossEntropy, new TrainOptions { Epochs = 1, BatchSize = 128 }, name: "mlp");
            Assert.True(history.Epochs[^1].ValAcc > 0.9, $"the model reached only {history.Epochs[^1].ValAcc:P1}");
            Checkpoint.Write(Path.Combine(checkpoints, "mlp.ckpt"), null, new TrainingState("mlp", 1, 1, new TrainOptions(), history.Epochs.ToList()), model, null, new Dictionary<string, Generator>());
        }
        // A second model to compare with: untrained, so its probabilities differ from the first's.
        using (var g = Seeds.Generator(0, "serve-browser/untrained"))
        using (var model = new Mlp(new MlpSpec(Hidden: 32), g))
            Checkpoint.Write(Path.Combine(checkpoints, "untrained.ckpt"), null, new TrainingState("untrained", 1, 1, new TrainOptions(), new List<EpochMetrics>()), model, null, new Dictionary<string, Generator>());
        // A report in the run folder, with a figure it links to relatively.
        string reportFolder = Path.Combine(runs, "browser", "demo");
        Directory.CreateDirectory(reportFolder);
        File.WriteAllText(Path.Combine(reportFolder, "report.html"), MnistLab.Reports.HtmlPage.FromMarkdown("# A demo report\n\n![a red square](figure.png)\n"));
        using (var square = new SkiaSharp.SKBitmap(20, 20))
        {
            square.Erase(SkiaSharp.SKColors.Red);
            using var squareImage = SkiaSharp.SKImage.FromBitmap(square);
            using var squarePng = squareImage.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(reportFolder, "figure.png"), squarePng.ToArray());
        }
    }

    /// <summary>The page counts finished updates; each action waits for the next one to finish.</summary>
    static async Task<T> Updated<T>(IPage page, Func<Task<T>> act)
    {
        int before = await page.EvaluateExpressionAsync<int>("Number(document.body.dataset.updates)");
        var result = await act();
        await page.WaitForFunctionAsync($"() => Number(document.body.dataset.updates) > {before} && document.body.dataset.state === 'ready'",
            new WaitForFunctionOptions { Timeout = 30_000 });
        return result;
    }

    static Task Click(IPage page, string selector) => Updated(page, async () => { await page.ClickAsync(selector); return 0; });

    static Task Change(IPage page, string selector, string value) => Updated(page, () => page.SelectAsync(selector, value));

    /// <summary>Presses the mouse at the first point, moves through the rest (with intermediate events), and releases.</summary>
    static Task Draw(IPage page, (double X, double Y)[] stroke) => Updated(page, async () =>
    {
        var box = await (await page.QuerySelectorAsync("#draw")).BoundingBoxAsync();
        decimal X(double x) => box.X + (decimal)x;
        decimal Y(double y) => box.Y + (decimal)y;
        await page.Mouse.MoveAsync(X(stroke[0].X), Y(stroke[0].Y));
        await page.Mouse.DownAsync();
        foreach (var (x, y) in stroke.Skip(1)) await page.Mouse.MoveAsync(X(x), Y(y), new MoveOptions { Steps = 5 });
        await page.Mouse.UpAsync();
        return 0;
    });

    static Task<string> Shown(IPage page) => page.EvaluateExpressionAsync<string>("document.getElementById('predicted').dataset.predicted");

    static Task<string> MapPixels(IPage page) => page.EvaluateExpressionAsync<string>("document.getElementById('map').toDataURL()");

    /// <summary>Pixels of the map canvas that are not grey: the map's red and blue.</summary>
    static Task<int> Coloured(IPage page, string canvas = "map") => page.EvaluateExpressionAsync<int>($$"""
        (() => { const c = document.getElementById('{{canvas}}'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 2]) > 30) n++; return n; })()
        """);

    async Task Screenshot(IPage page, string name) =>
        AtomicFile.WriteAllBytes(ScreenshotPath(name), await page.ScreenshotDataAsync(new ScreenshotOptions { FullPage = true }));

    /// <summary>Where a screenshot goes (screenshots/ beside the test assembly), named in the test's output.</summary>
    string ScreenshotPath(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        output.WriteLine($"screenshot: {Path.Combine(folder, name)}");
        return Path.Combine(folder, name);
    }
}
