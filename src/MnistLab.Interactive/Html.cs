using System.Globalization;

namespace MnistLab.Interactive;

/// <summary>The small pieces of HTML the views share: escaped text and numbers written the same way everywhere.</summary>
internal static class Html
{
    public static string Encode(string text) => System.Net.WebUtility.HtmlEncode(text);

    public static string Number(double value, string format = "G4") =>
        double.IsNaN(value) ? "NaN" : value.ToString(format, CultureInfo.InvariantCulture);
}
