using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using WebDriverBiDi;
using WebDriverBiDi.BrowsingContext;
using WebDriverBiDi.Input;
using WebDriverBiDi.Log;
using WebDriverBiDi.Script;
using WebDriverBiDi.Session;

namespace MnistLab.Tests.Support;

/// <summary>
/// One page of Debian's Firefox ESR, headless, driven through WebDriver BiDi (the WebDriverBiDi client; Firefox speaks it
/// natively, nothing downloaded): a private profile, the remote agent on a free loopback port, the browser killed on
/// dispose. The page's console errors are collected. Values come back from the page as JSON.
/// </summary>
public sealed partial class FirefoxPage : IAsyncDisposable
{
    readonly Process _process;
    readonly BiDiDriver _driver;
    readonly string _context;

    /// <summary>Console errors and uncaught exceptions of the page, as they arrive.</summary>
    public List<string> Errors { get; } = [];

    FirefoxPage(Process process, BiDiDriver driver, string context) => (_process, _driver, _context) = (process, driver, context);

    [GeneratedRegex(@"WebDriver BiDi listening on (ws://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    public static async Task<FirefoxPage> Launch(string executable, string profile, int width = 1400, int height = 1000)
    {
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port", "0", "--width", $"{width}", "--height", $"{height}", "about:blank" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.AppendLine(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        if (await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(60))) != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            lock (log) throw new InvalidOperationException($"Firefox did not start its WebDriver BiDi agent:\n{log}");
        }
        var driver = new BiDiDriver(TimeSpan.FromSeconds(60));
        await driver.StartAsync($"{listening.Task.Result}/session");
        await driver.Session.NewSessionAsync(new NewCommandParameters());
        var tree = await driver.BrowsingContext.GetTreeAsync(new GetTreeCommandParameters());
        var page = new FirefoxPage(process, driver, tree.ContextTree[0].BrowsingContextId);
        driver.Log.OnEntryAdded.AddObserver((EntryAddedEventArgs e) =>
        {
            if (e.Level == LogLevel.Error) lock (page.Errors) page.Errors.Add($"{e.Type}: {e.Text}");
        });
        await driver.Session.SubscribeAsync(new SubscribeCommandParameters([driver.Log.OnEntryAdded.EventName]));
        return page;
    }

    public async Task GoTo(string url) =>
        await _driver.BrowsingContext.NavigateAsync(new NavigateCommandParameters(_context, url) { Wait = ReadinessState.Complete });

    /// <summary>The value of a JavaScript expression (awaited when a promise), carried back as JSON.</summary>
    public async Task<T> Eval<T>(string expression)
    {
        var result = await _driver.Script.EvaluateAsync(new EvaluateCommandParameters($"(async () => JSON.stringify(await ({expression})))()", new ContextTarget(_context), true));
        if (result is EvaluateResultSuccess { Result: StringRemoteValue text }) return JsonSerializer.Deserialize<T>(text.Value!)!;
        throw new InvalidOperationException($"`{expression}` did not give a value: {(result as EvaluateResultException)?.ExceptionDetails.Text ?? result.ResultType.ToString()}");
    }

    /// <summary>Waits until <paramref name="condition"/> (a JavaScript expression) holds, polling; fails with the condition after the timeout.</summary>
    public async Task WaitFor(string condition, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!await Eval<bool>($"!!({condition})"))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"waited {seconds} s for {condition}");
            await Task.Delay(50);
        }
    }

    /// <summary>The mouse pressed at the first point, moved through the rest and released; points are in CSS pixels from the page's top-left.</summary>
    public async Task Drag(IReadOnlyList<(double X, double Y)> points)
    {
        var pointer = new PointerSourceActions();
        pointer.Actions.Add(new PointerMoveAction { X = points[0].X, Y = points[0].Y });
        pointer.Actions.Add(new PointerDownAction(0));
        foreach (var (x, y) in points.Skip(1)) pointer.Actions.Add(new PointerMoveAction { X = x, Y = y, Duration = TimeSpan.FromMilliseconds(10) });
        pointer.Actions.Add(new PointerUpAction(0));
        var actions = new PerformActionsCommandParameters(_context);
        actions.Actions.Add(pointer);
        await _driver.Input.PerformActionsAsync(actions);
    }

    public async Task Screenshot(string path)
    {
        var shot = await _driver.BrowsingContext.CaptureScreenshotAsync(new CaptureScreenshotCommandParameters(_context));
        MnistLab.Common.AtomicFile.WriteAllBytes(path, Convert.FromBase64String(shot.Data));
    }

    public async ValueTask DisposeAsync()
    {
        try { await _driver.StopAsync(); }
        catch (WebDriverBiDiException) { } // the browser may already be gone; it is killed next either way
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
