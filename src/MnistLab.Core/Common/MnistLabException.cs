namespace MnistLab.Common;

/// <summary>
/// A failure the user can act on: bad data, a missing file, a tool that is not installed. The message
/// is one line that names the file or value and says what was expected; callers show it without a trace.
/// </summary>
public class MnistLabException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A value given by the user is outside what an option accepts (command-line exit code 2). <see cref="Option"/>
/// names the option as the library knows it (<c>TrainOptions.Epochs</c>), so a front end can add its own name for it.
/// </summary>
public sealed class InvalidOptionException : MnistLabException
{
    public string? Option { get; }

    public InvalidOptionException(string message) : base(message) { }

    public InvalidOptionException(string option, string message) : base(message) => Option = option;

    /// <summary>The words at the start of the message that name the option, when not <see cref="Option"/> itself (a key such as <c>train.epochs</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>The part of the message that lists the valid keys: useful to a user who typed a key, noise to one who typed a flag.</summary>
    public string? KeysHint { get; init; }
}

/// <summary>A data file does not have the form it must have.</summary>
public sealed class DataFormatException(string message) : MnistLabException(message);
