using MnistLab.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistLab.Data;

/// <summary>
/// A set of 28x28 grayscale images with digit labels, held as two tensors: <c>Images</c> (N, 1, 28, 28)
/// float32 in [0, 1] (bytes / 255, as torchvision's ToTensor) and <c>Labels</c> (N) int64. Owns its tensors.
/// A set may hold flat inputs (N, D) instead: pixels then features (<see cref="WithFeature"/>), or the
/// outputs of a layer.
/// </summary>
public sealed class LabeledImages : IDisposable
{
    public const int Side = 28;
    public const int Pixels = Side * Side;
    public const int Classes = 10;

    public Tensor Images { get; }
    public Tensor Labels { get; }
    public string Name { get; }
    public int Count => (int)Labels.shape[0];

    public LabeledImages(Tensor images, Tensor labels, string name)
    {
        bool isImage = images.dim() == 4 && images.shape[1] == 1 && images.shape[2] == Side && images.shape[3] == Side;
        bool isFlat = images.dim() == 2 && images.shape[1] >= 1;
        if (!isImage && !isFlat)
            throw new ArgumentException($"{name}: inputs must have shape (N, 1, 28, 28) or (N, D), got ({string.Join(", ", images.shape)}).");
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"{name}: {labels.shape[0]} labels for {images.shape[0]} images.");
        Images = images.to_type(ScalarType.Float32).DetachFromDisposeScope();
        Labels = labels.to_type(ScalarType.Int64).DetachFromDisposeScope();
        Name = name;
    }

    /// <summary>Builds a set from raw bytes (0..255 per pixel) and labels 0..9.</summary>
    public static LabeledImages FromBytes(byte[] pixels, byte[] labels, string name)
    {
        if (pixels.Length != labels.Length * Pixels)
            throw new DataFormatException($"{name}: {pixels.Length} pixel bytes for {labels.Length} labels, expected {labels.Length * Pixels} (28x28 each).");
        int bad = Array.FindIndex(labels, l => l >= Classes);
        if (bad >= 0) throw new DataFormatException($"{name}: label {labels[bad]} at index {bad}, expected a digit 0-9.");
        using var scope = NewDisposeScope();
        var images = tensor(pixels, [labels.Length, 1, Side, Side]).to_type(ScalarType.Float32).div_(255f);
        var y = tensor(labels, [labels.Length]).to_type(ScalarType.Int64);
        return new LabeledImages(images, y, name);
    }

    /// <summary>The images at <paramref name="indices"/>, as a new set that owns copies of them.</summary>
    public LabeledImages Subset(Tensor indices, string name)
    {
        using var scope = NewDisposeScope();
        return new LabeledImages(Images.index_select(0, indices), Labels.index_select(0, indices), name);
    }

    /// <summary>
    /// A new set whose inputs are the flattened pixels followed by <paramref name="feature"/> (N values, one
    /// column), as seed 000 appends its ring bit to the 784 pixels.
    /// </summary>
    public LabeledImages WithFeature(float[] feature, string name)
    {
        if (feature.Length != Count) throw new ArgumentException($"{feature.Length} feature values for {Count} items.");
        using var scope = NewDisposeScope();
        var column = tensor(feature, [Count, 1]);
        return new LabeledImages(cat([Images.reshape(Count, -1), column], 1), Labels.clone(), name);
    }

    public long[] LabelArray() => Labels.data<long>().ToArray();

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
