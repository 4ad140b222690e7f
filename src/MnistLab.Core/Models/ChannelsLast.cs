using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>
/// Channels-last activations: a (B, C, H, W) tensor whose memory is laid out (B, H, W, C), each pixel's channels
/// adjacent. libtorch's convolutions follow their input's layout, and on this kind of CPU its convolutions, pools,
/// batch norms and element-wise operators are all faster that way. TorchSharp has no memory-format argument, so the
/// layout is made with views: a model converts its input once and every layer after it keeps the layout.
/// </summary>
public static class ChannelsLast
{
    /// <summary>Whether <paramref name="x"/> (B, C, H, W) is channels-last in memory.</summary>
    public static bool Is(Tensor x) => x.dim() == 4 && x.permute(0, 2, 3, 1).is_contiguous();

    /// <summary>
    /// A batch of one-channel images (B, 1, H, W) as a channels-last view, without a copy when the batch is contiguous.
    /// With one channel both layouts hold the same bytes; only the strides say which one libtorch should follow.
    /// </summary>
    public static Tensor Images(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != 1)
            throw new ArgumentException($"expected images of shape (B, 1, H, W), got ({string.Join(", ", x.shape)}).");
        return x.reshape(x.shape[0], x.shape[2], x.shape[3], 1).permute(0, 3, 1, 2);
    }

    /// <summary><paramref name="x"/> (B, C, H, W) with channels-last memory: itself when it already is, else a copy.</summary>
    public static Tensor Of(Tensor x) =>
        x.shape[1] == 1 ? Images(x) : x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
