namespace MnistLab.Cli.Commands.Settings;

/// <summary>
/// A flag that sets the key of the experiment's options at <see cref="Path"/> (<c>train.epochs</c>); unset, the
/// experiment's own value stands. The same key names the flag in the library's errors (<c>TrainOptions.Epochs</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionPathAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

/// <summary>A flag that gives the library option named <see cref="Option"/> (<c>Binning.Count</c>), so errors about it name the flag.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BindsAttribute(string option) : Attribute
{
    public string Option { get; } = option;
}
