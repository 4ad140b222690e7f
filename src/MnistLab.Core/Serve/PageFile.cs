using Microsoft.AspNetCore.Http;

namespace MnistLab.Serve;

/// <summary>
/// The page's files (<c>Serve/Page/</c>: the HTML, its one script and its style sheet), built into the library as
/// resources: nothing is read from disk and nothing from the network, so the page works offline wherever the tool runs.
/// </summary>
public static class PageFile
{
    static readonly Dictionary<string, string> Types = new()
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    /// <summary>The names of the page's files.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(PageFile).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Select(n => n[Prefix.Length..]).ToList();

    const string Prefix = "MnistLab.Serve.Page.";

    /// <summary>Writes the file <paramref name="name"/> (a name from <see cref="Names"/>, never a path) or a 404.</summary>
    public static async Task Write(HttpContext context, string name)
    {
        if (!Names.Contains(name) || !Types.TryGetValue(Path.GetExtension(name), out var type))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"no page file '{name}'; the page's files are {string.Join(", ", Names)}.");
            return;
        }
        await using var stream = typeof(PageFile).Assembly.GetManifestResourceStream(Prefix + name)!;
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        await stream.CopyToAsync(context.Response.Body);
    }
}
