using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MnistLab.Serve;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Serve;

/// <summary>
/// The run folders' index and reports, served as they were written and listed by <c>GET /api/runs</c>; and what is never
/// served: a file outside the run folders (however the path is spelled), a checkpoint, a staging folder's report, a
/// linked file.
/// </summary>
public class ServeRunsTests
{
    [Fact]
    public async Task A_runs_index_and_reports_are_served_as_written_and_nothing_else_is()
    {
        using var dir = new TempDir();
        string run = dir.File("lab");
        Directory.CreateDirectory(Path.Combine(run, "linearity", "checkpoints"));
        Directory.CreateDirectory(Path.Combine(run, ".probe.partial"));
        File.WriteAllText(Path.Combine(run, "index.html"), "<h1>index</h1><a href=\"linearity/report.html\">linearity</a>");
        File.WriteAllText(Path.Combine(run, "linearity", "report.html"), "<h1>linearity</h1><img src=\"figure.png\">");
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
        File.WriteAllBytes(Path.Combine(run, "linearity", "figure.png"), png);
        File.WriteAllText(Path.Combine(run, "linearity", "checkpoints", "mlp.ckpt"), "not a checkpoint");
        File.WriteAllText(Path.Combine(run, ".probe.partial", "report.html"), "<h1>unfinished</h1>");
        File.WriteAllText(dir.File("secret.html"), "<h1>secret</h1>");
        File.CreateSymbolicLink(Path.Combine(run, "linked.html"), dir.File("secret.html"));

        await using var server = await LabServer.StartAsync(new ServeOptions { Runs = [run], Port = 0 });
        using var client = new HttpClient { BaseAddress = server.Address };

        var runs = await client.GetFromJsonAsync<JsonElement>("/api/runs");
        var lab = Assert.Single(runs.GetProperty("runs").EnumerateArray());
        Assert.Equal("lab", lab.GetProperty("id").GetString());
        Assert.Equal("/runs/lab/index.html", lab.GetProperty("index").GetString());
        var report = Assert.Single(lab.GetProperty("reports").EnumerateArray());
        Assert.Equal("linearity", report.GetProperty("name").GetString());
        Assert.Equal("/runs/lab/linearity/report.html", report.GetProperty("url").GetString());

        using (var page = await client.GetAsync("/runs/lab/linearity/report.html"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Equal("<h1>linearity</h1><img src=\"figure.png\">", await page.Content.ReadAsStringAsync());
            // The one inline script a report page carries (its tables' sorting) is allowed by its hash, and no other script.
            string policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
            string body = MnistLab.Reports.HtmlPage.FromMarkdown("# x");
            int open = body.IndexOf("<script>") + "<script>".Length;
            string hash = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body[open..body.IndexOf("</script>")])));
            Assert.Contains($"script-src 'self' 'sha256-{hash}'", policy);
        }
        using (var figure = await client.GetAsync("/runs/lab/linearity/figure.png"))
        {
            Assert.Equal("image/png", figure.Content.Headers.ContentType?.MediaType);
            Assert.Equal(png, await figure.Content.ReadAsByteArrayAsync());
        }

        // A report written while the server runs is found.
        Directory.CreateDirectory(Path.Combine(run, "probe"));
        File.WriteAllText(Path.Combine(run, "probe", "report.html"), "<h1>probe</h1>");
        Assert.Equal("<h1>probe</h1>", await client.GetStringAsync("/runs/lab/probe/report.html"));

        foreach (var path in new[]
                 {
                     "/runs/lab/..%2Fsecret.html", "/runs/lab/%2E%2E/secret.html", "/runs/lab/linearity/..%2F..%2Fsecret.html",
                     "/runs/lab/linearity/checkpoints/mlp.ckpt", "/runs/lab/.probe.partial/report.html", "/runs/lab/linked.html",
                     "/runs/other/index.html", "/runs/lab/" + Uri.EscapeDataString(dir.File("secret.html")),
                 })
        {
            using var refused = await client.GetAsync(path);
            string body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)refused.StatusCode} {body}");
            Assert.DoesNotContain("<h1>secret", body);
        }
        Assert.Contains("the runs are lab", await (await client.GetAsync("/runs/other/index.html")).Content.ReadAsStringAsync());
    }
}
