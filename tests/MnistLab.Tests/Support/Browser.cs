using System.Diagnostics;

namespace MnistLab.Tests.Support;

/// <summary>
/// Headless Chromium (Debian's package, which scripts/setup.sh installs) rendering pages from disk, as a
/// reader would open them: no server, file:// URLs, no network.
/// </summary>
public static class Browser
{
    static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome"];

    public static string Executable => TryExecutable
        ?? throw new InvalidOperationException("no Chromium found (looked for chromium, chromium-browser, google-chrome on PATH); scripts/setup.sh installs Debian's chromium.");

    /// <summary>The first Chromium on PATH, or null where none is installed.</summary>
    public static string? TryExecutable => Candidates.Select(Find).FirstOrDefault(p => p is not null);

    /// <summary>Debian's Firefox ESR (scripts/setup.sh installs it), or null where none is installed.</summary>
    public static string? TryFirefox => new[] { "firefox-esr", "firefox" }.Select(Find).FirstOrDefault(p => p is not null);

    static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Renders <paramref name="page"/> to a PNG of the given size.</summary>
    public static void Screenshot(string page, string png, int width = 1200, int height = 1600) =>
        Run(page, $"--window-size={width},{height}", "--hide-scrollbars", $"--screenshot={png}");

    /// <summary>The DOM after the page and its images have loaded and its scripts have run.</summary>
    public static string DumpDom(string page) => Run(page, "--dump-dom", "--virtual-time-budget=10000");

    static string Run(string page, params string[] args)
    {
        using var profile = new TempDir();
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-extensions", "--allow-file-access-from-files", $"--user-data-dir={profile.Path}" })
            info.ArgumentList.Add(a);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.ArgumentList.Add(new Uri(Path.GetFullPath(page)).AbsoluteUri);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"Chromium did not finish rendering {page}");
        }
        if (p.ExitCode != 0) throw new InvalidOperationException($"Chromium exited with {p.ExitCode} on {page}: {stderr.Result}");
        return stdout.Result;
    }
}
