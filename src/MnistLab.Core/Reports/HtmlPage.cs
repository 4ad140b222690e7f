using System.Net;
using Markdig;

namespace MnistLab.Reports;

/// <summary>
/// Self-contained HTML pages: a report's Markdown rendered by Markdig, with the style inline and images
/// referenced beside the page, so a page opens from disk in any browser without a server or network.
/// </summary>
public static class HtmlPage
{
    // Raw HTML in the Markdown is shown as text: report text can carry names read from user files.
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseAutoIdentifiers().DisableHtml().Build();

    const string Style = """
        body { font: 15px/1.5 system-ui, sans-serif; color: #1f2328; background: #fff; margin: 0; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }
        h1 { font-size: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
        h2 { font-size: 1.35em; border-bottom: 1px solid #eaeef2; padding-bottom: .2em; margin-top: 1.6em; }
        table { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; display: block; overflow-x: auto; }
        th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; }
        th { background: #f6f8fa; }
        tr:nth-child(even) td { background: #fbfcfd; }
        img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
        code, pre { font-family: ui-monospace, monospace; background: #f6f8fa; border-radius: 4px; }
        pre { padding: 10px; overflow-x: auto; }
        a { color: #0969da; }
        th { cursor: pointer; user-select: none; }
        th[aria-sort=ascending]::after { content: " ▲"; }
        th[aria-sort=descending]::after { content: " ▼"; }
        """;

    // Every table sorts by a column when its header is clicked (again: the other way): by the cells' first number where
    // both have one (92.61%, +0.25 pt, #17, class 3), else as text. Inline, so a page opened from disk needs nothing else.
    const string SortScript = """
        document.querySelectorAll("table").forEach(table => {
          const heads = table.querySelectorAll("thead th");
          heads.forEach((th, col) => th.addEventListener("click", () => {
            const body = table.tBodies[0];
            if (!body) return;
            const down = th.getAttribute("aria-sort") === "ascending";
            heads.forEach(h => h.removeAttribute("aria-sort"));
            th.setAttribute("aria-sort", down ? "descending" : "ascending");
            const key = cell => {
              const text = cell ? cell.textContent.trim() : "";
              const m = text.replace(/\u2212/g, "-").match(/[-+]?\d+(\.\d+)?(e[-+]?\d+)?/i);
              return { n: m ? parseFloat(m[0]) : NaN, t: text };
            };
            const rows = Array.from(body.rows);
            rows.sort((a, b) => {
              const x = key(a.cells[col]), y = key(b.cells[col]);
              const c = !isNaN(x.n) && !isNaN(y.n) ? x.n - y.n : x.t.localeCompare(y.t);
              return down ? -c : c;
            });
            rows.forEach(r => body.appendChild(r));
          }));
        });
        """;

    /// <summary>The script element's text exactly as the page holds it.</summary>
    static readonly string ScriptBlock = "\n" + SortScript.ReplaceLineEndings("\n") + "\n";

    /// <summary>
    /// A Content-Security-Policy source that allows the page's own script and nothing else inline: a server that sends
    /// a report's page with <c>script-src 'self'</c> adds this so its tables still sort.
    /// </summary>
    public static string ScriptSource { get; } =
        $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ScriptBlock)))}'";

    /// <summary>The page for a report's Markdown; its title is the first level-1 heading.</summary>
    public static string FromMarkdown(string markdown)
    {
        string title = markdown.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith("# "))?[2..] ?? "MnistLab report";
        return Page(title, Markdig.Markdown.ToHtml(markdown, Pipeline));
    }

    /// <summary>A complete page around <paramref name="bodyHtml"/>.</summary>
    public static string Page(string title, string bodyHtml) =>
        $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="MnistLab {WebUtility.HtmlEncode(Common.LabVersion.Current)}">
        <title>{WebUtility.HtmlEncode(title)}</title>
        <style>
        {Style}
        </style>
        </head>
        <body>
        <main>
        {bodyHtml}
        </main>
        <script>{ScriptBlock}</script>
        </body>
        </html>

        """;
}
