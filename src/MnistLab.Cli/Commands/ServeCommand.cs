using System.ComponentModel;
using System.Runtime.InteropServices;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Serve;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("A live lab in the browser: draw a digit or pick a test image, see every served model's prediction, attribution maps and activations, and ablate units. Also a JSON API (docs/SERVE.md). Ctrl-C stops it.")]
public sealed class ServeCommand : LabCommand<ServeCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--runs <DIR>"), Binds("ServeOptions.Runs")]
        [Description("Run folders whose checkpoints are served (repeat the flag for more). Default: runs, where it exists.")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--models <DIR>"), Binds("ServeOptions.Models")]
        [Description("Model folders written by 'mnistlab model import', or folders holding them (repeat the flag for more).")]
        public string[] Models { get; init; } = [];

        [CommandOption("--port <N>"), OptionPath("port", "Port to listen on (0: any free port).", typeof(ServeOptions))]
        public int? Port { get; init; }

        [CommandOption("--host <ADDRESS>"), OptionPath("host", "Address to listen on. Anything but a loopback address lets other machines use the server.", typeof(ServeOptions))]
        public string? Host { get; init; }

        public ServeOptions Options()
        {
            var options = Bind(new ServeOptions());
            string[] runs = Runs.Length > 0 ? Runs : Directory.Exists("runs") ? ["runs"] : [];
            return (options with { Runs = runs, Models = Models }).Validated();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Options();
        using var mnist = settings.LoadMnist();
        var server = LabServer.StartAsync(options, mnist, CommonSettings.Log).GetAwaiter().GetResult();
        try
        {
            int count = server.Catalogue.Models.Count;
            if (count == 0) AnsiConsole.MarkupLine("[yellow]No models to serve:[/] give run folders with --runs DIR or imported models with --models DIR.");
            if (!options.LoopbackOnly)
                AnsiConsole.MarkupLine($"[yellow]warning:[/] listening on {Markup.Escape(options.Host)}: anyone who can reach this machine on that network can use the server (it has no login).");
            // A plain line, never wrapped, so a script can read the address.
            System.Console.WriteLine($"Serving {count} model(s) at {server.Address} (Ctrl-C stops it)");

            using var stop = new CancellationTokenSource();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var given = cancellationToken.Register(stop.Cancel);
            stop.Token.WaitHandle.WaitOne();
            System.Console.WriteLine("Stopping: finishing the requests in flight ...");
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        System.Console.WriteLine("Stopped.");
        return 0;
    }
}
