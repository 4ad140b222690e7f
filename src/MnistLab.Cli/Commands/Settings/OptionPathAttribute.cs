using System.ComponentModel;
using MnistLab.Common;
using MnistLab.Experiments;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>
/// A flag that sets the key <see cref="Path"/> (<c>train.epochs</c>, <c>settings.integrated_gradients.steps</c>) of the
/// options record <see cref="Options"/>; unset, the record's own value stands. The same key names the flag in the
/// library's errors (<c>TrainOptions.Epochs</c> → <c>--epochs</c>), and the help text's default is read from the record
/// (an experiment's defaults for its options), so help and library cannot disagree.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionPathAttribute(string path, string help, Type options) : DescriptionAttribute(help)
{
    public string Path { get; } = path;
    public Type Options { get; } = options;

    /// <summary>Further keys the flag sets to the same value (one --baseline for Integrated Gradients and occlusion).</summary>
    public string[] Also { get; init; } = [];

    public IEnumerable<string> Paths => [Path, .. Also];

    /// <summary>
    /// A type whose public static <c>Defaults</c> property gives the record a command starts from, where that is not
    /// the record's own defaults (mi computes no interval unless asked).
    /// </summary>
    public Type? DefaultsFrom { get; init; }

    public override string Description
    {
        get
        {
            var defaults = DefaultsFrom?.GetProperty("Defaults")?.GetValue(null) ?? DefaultsOf(Options);
            string value = OptionPaths.Get(defaults, Path);
            return value is "none" or "false" or "" ? DescriptionValue : $"{DescriptionValue} Default {value}.";
        }
    }

    /// <summary>The record whose values a command starts from: the registered experiment's defaults, else the record's own.</summary>
    public static object DefaultsOf(Type options) =>
        Registry.All.FirstOrDefault(e => e.OptionsType == options)?.DefaultOptions ?? Activator.CreateInstance(options)!;
}

/// <summary>A flag that gives the library option named <see cref="Option"/> (<c>images</c>, <c>checkpoint</c>), so errors about it name the flag.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BindsAttribute(string option) : Attribute
{
    public string Option { get; } = option;
}
