namespace MnistLab.Interactive;

/// <summary>A PNG as an HTML &lt;img&gt; whose source is a data URI: the picture travels inside the output, nothing is fetched.</summary>
public static class InlinePng
{
    public const string UriPrefix = "data:image/png;base64,";

    public static string Img(byte[] png, string alt) =>
        $"<img src=\"{UriPrefix}{Convert.ToBase64String(png)}\" alt=\"{Html.Encode(alt)}\" style=\"image-rendering: pixelated\" />";
}
