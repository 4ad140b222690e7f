using System.Text.RegularExpressions;

namespace MnistLab.Tests.Support;

/// <summary>
/// <c>mnistlab serve</c> as a user runs it, in its own process on a free loopback port (the real MNIST from its usual
/// place), until disposed: then Ctrl-C (SIGINT) and a wait for it to stop.
/// </summary>
public sealed partial class ServeProcess : IDisposable
{
    public CliProcess Process { get; }
    public Uri Address { get; }
    public HttpClient Client { get; }

    ServeProcess(CliProcess process, Uri address)
    {
        Process = process;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    [GeneratedRegex(@"Serving \d+ model\(s\) at (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex AddressLine();

    public static ServeProcess Start(params string[] args)
    {
        var process = CliProcess.Start(["serve", "--port", "0", "--no-fetch", .. args]);
        if (!process.WaitUntil(() => AddressLine().IsMatch(process.Output), TimeSpan.FromSeconds(90)))
        {
            string output = process.Output;
            process.Dispose();
            throw new InvalidOperationException($"mnistlab serve printed no address:\n{output}");
        }
        return new ServeProcess(process, new Uri(AddressLine().Match(process.Output).Groups[1].Value));
    }

    /// <summary>Ctrl-C, then the exit code.</summary>
    public int Stop()
    {
        Process.Interrupt();
        return Process.Wait(TimeSpan.FromSeconds(60));
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!Process.HasExited) Stop();
        Process.Dispose();
    }
}
