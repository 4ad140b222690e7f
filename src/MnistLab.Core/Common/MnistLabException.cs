namespace MnistLab.Common;

/// <summary>
/// A failure the user can act on: bad data, a missing file, a tool that is not installed. The message
/// is one line that names the file or value and says what was expected; callers show it without a trace.
/// </summary>
public class MnistLabException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A value given by the user is outside what an option accepts (command-line exit code 2).</summary>
public sealed class InvalidOptionException(string message) : MnistLabException(message);

/// <summary>A data file does not have the form it must have.</summary>
public sealed class DataFormatException(string message) : MnistLabException(message);
