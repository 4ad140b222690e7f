using System.Text;

namespace MnistLab.Import;

/// <summary>Names taken from a damaged file (a layer type, an ONNX node, a zip entry) made fit for a one-line error.</summary>
public static class ErrorText
{
    /// <summary><paramref name="text"/> with control characters written as escapes, so the error stays one line.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
            sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\u{(int)c:x4}", _ => c.ToString() });
        return sb.ToString();
    }
}
