using System.Reflection;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>
/// The command that starts <c>mnistlab</c>, as the words of a command line: <c>["/opt/mnistlab/mnistlab"]</c> or
/// <c>["/usr/bin/dotnet", "/src/bin/mnistlab.dll"]</c>. Local sweeps start their points with it, and the Slurm and
/// Kubernetes files name it.
/// </summary>
public sealed record PointLauncher(IReadOnlyList<string> Command)
{
    /// <summary>
    /// The mnistlab of this process: the running program when it is mnistlab, else (a library user, the tests) the
    /// mnistlab.dll beside this library, run by the dotnet host.
    /// </summary>
    public static PointLauncher Current()
    {
        string? process = Environment.ProcessPath;
        bool isDotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet";
        var entry = Assembly.GetEntryAssembly();
        if (entry?.GetName().Name == "mnistlab" && process is not null)
            return new PointLauncher(isDotnet ? [process, entry.Location] : [process]);
        string dll = Path.Combine(AppContext.BaseDirectory, "mnistlab.dll");
        if (!File.Exists(dll))
            throw new MnistLabException($"cannot find the mnistlab command (no {dll}); give the command that starts mnistlab explicitly.");
        string host = isDotnet ? process! : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return new PointLauncher([host, dll]);
    }

    /// <summary>Parses a command given as one string of shell words (<c>--mnistlab "dotnet /opt/mnistlab.dll"</c>); no quoting beyond spaces.</summary>
    public static PointLauncher Parse(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return words.Length > 0 ? new PointLauncher(words) : throw new InvalidOptionException("PointLauncher.Command", "PointLauncher.Command is empty; give the command that starts mnistlab.");
    }

    /// <summary>The arguments that run point <paramref name="index"/> of the sweep in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> PointArguments(string folder, string index) => ["sweep", "point", index, folder];

    /// <summary>A word quoted for a POSIX shell (single quotes), unless it is plainly safe.</summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
