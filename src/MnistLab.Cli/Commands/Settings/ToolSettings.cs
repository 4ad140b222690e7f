using System.ComponentModel;
using System.Reflection;
using MnistLab.Common;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>Options every command takes, including those that read no MNIST.</summary>
public class ToolSettings : CommandSettings
{
    [CommandOption("--threads <N>")]
    [Description("CPU threads for libtorch (default: all cores).")]
    public int? Threads { get; init; }

    [CommandOption("--verbose")]
    [Description("Show the stack trace of unexpected errors.")]
    public bool Verbose { get; init; }

    public override ValidationResult Validate()
    {
        if (Threads is < 1 or > 1024) return ValidationResult.Error($"--threads must be between 1 and 1024, got {Threads}.");
        // One rule for seeds in every command: non-negative integers, as a sweep's --seeds lists them.
        if (GetType().GetProperty("Seed")?.GetValue(this) is long seed and < 0)
            return ValidationResult.Error($"--seed must be a non-negative integer (as 'sweep run --seeds' takes them), got {seed}.");
        return ValidationResult.Success();
    }

    /// <summary>Applies --threads (and the allocator tuning) and returns the thread count in use.</summary>
    public int ApplyThreads() => TorchSetup.SetThreads(Threads);

    /// <summary>
    /// The flag, as given on this command line, that set the library option <paramref name="option"/>
    /// (<c>TrainOptions.Epochs</c> → <c>--epochs</c>), or null when no flag given set it.
    /// </summary>
    public virtual string? FlagFor(string option)
    {
        foreach (var property in GetType().GetProperties())
        {
            var flag = property.GetCustomAttribute<CommandOptionAttribute>()?.LongNames.FirstOrDefault();
            if (flag is null || property.GetValue(this) is null or false) continue;
            bool binds = property.GetCustomAttribute<BindsAttribute>()?.Option == option
                         || property.GetCustomAttribute<OptionPathAttribute>() is { } path && path.Paths.Any(k => OptionPaths.LibraryName(path.Options, k) == option);
            if (binds) return "--" + flag;
        }
        return null;
    }

    /// <summary>
    /// <paramref name="defaults"/> with every flag given set at its key (<see cref="OptionPathAttribute"/>), through
    /// <see cref="OptionPaths"/>: the record parses and validates the values, as it does for --set and for sweeps.
    /// </summary>
    public T Bind<T>(T defaults, IEnumerable<(string Key, string Value)>? more = null) where T : class =>
        OptionPaths.With(defaults, [.. GivenOptions(), .. more ?? []]);

    /// <summary>The flags given that set an option key, as (key, value) pairs.</summary>
    protected IEnumerable<(string Key, string Value)> GivenOptions() =>
        from p in GetType().GetProperties()
        let path = p.GetCustomAttribute<OptionPathAttribute>()
        let value = path is null ? null : p.GetValue(this)
        where value is not null and not false
        from key in path.Paths
        select (key, Format(value));

    static string Format(object value) => value switch
    {
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? "",
    };
}
