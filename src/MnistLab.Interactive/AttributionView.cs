using MnistLab.Attribution;
using MnistLab.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistLab.Interactive;

/// <summary>
/// An attribution result as its maps: the figure the reports draw (a diverging colour map centred at zero, red positive
/// and blue negative, each map scaled to its own 99th percentile of |value|, with a colour bar), over its digits when
/// they are given, with each map's completeness error where the method has one.
/// </summary>
public static class AttributionView
{
    const int MaxMaps = 16, Columns = 8;

    /// <summary>The maps of <paramref name="result"/> as PNG bytes; <paramref name="images"/> (same count) draws them over their digits.</summary>
    public static byte[] Png(AttributionResult result, Tensor? images = null)
    {
        if (result.ExampleSize != 28 * 28)
            throw new ArgumentException($"{result.Method}: maps of {result.ExampleSize} values are not 28 x 28 images", nameof(result));
        int n = Math.Min(result.Count, MaxMaps);
        var maps = Enumerable.Range(0, n).Select(result.Map).ToList();
        List<float[]> digits;
        if (images is null)
            digits = Enumerable.Range(0, n).Select(_ => new float[28 * 28]).ToList();
        else
        {
            using var flat = images.detach().cpu().to_type(ScalarType.Float32).reshape(-1, 28 * 28);
            if (flat.shape[0] != result.Count) throw new ArgumentException($"{flat.shape[0]} images for {result.Count} maps", nameof(images));
            digits = Enumerable.Range(0, n).Select(i => { using var row = flat[i]; return row.data<float>().ToArray(); }).ToList();
        }
        var titles = Enumerable.Range(0, n).Select(i => result.CompletenessError is { } e ? $"#{i} err {e[i]:G2}" : $"#{i}").ToList();
        var display = new MapDisplay { Show = images is null ? MapShow.Heat : MapShow.Blend };
        return AttributionFigure.Png(digits, maps, titles, Math.Min(n, Columns), display);
    }

    public static string Html(AttributionResult result, Tensor? images = null)
    {
        string caption = $"{result.Method}: {result.Count} map{(result.Count == 1 ? "" : "s")}"
            + (result.Count > MaxMaps ? $", the first {MaxMaps} shown" : "")
            + (result.MaxAbsCompletenessError is { } e ? $"; completeness |error| at most {Interactive.Html.Number(e, "G3")}" : "")
            + $"; {Interactive.Html.Number(result.Seconds, "F2")} s";
        return $"<figure>{InlinePng.Img(Png(result, images), caption)}<figcaption>{Interactive.Html.Encode(caption)}</figcaption></figure>";
    }
}
