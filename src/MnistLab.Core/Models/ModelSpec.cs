using System.Text.Json.Serialization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// What a model is, enough to build it again: its kind, sizes and what it reads. Saved beside the weights in
/// every checkpoint (as nanoGPT saves its config), so any checkpoint can be loaded and inspected on its own.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LinearSpec), "linear")]
[JsonDerivedType(typeof(MlpSpec), "mlp")]
[JsonDerivedType(typeof(LocalLayerSpec), "local-layer")]
[JsonDerivedType(typeof(VaeSpec), "vae")]
[JsonDerivedType(typeof(RotResNetSpec), "rot-resnet")]
[JsonDerivedType(typeof(Import.SequentialSpec), "sequential")]
[JsonDerivedType(typeof(Import.OnnxGraphSpec), "onnx-graph")]
[JsonDerivedType(typeof(Import.TorchScriptSpec), "torchscript")]
[JsonDerivedType(typeof(FastCnnSpec), "fast-cnn")]
[JsonDerivedType(typeof(Import.NormalizedSpec), "normalized")]
public abstract record ModelSpec
{
    /// <summary>What the model's first layer reads; images by default.</summary>
    public ModelInput Input { get; init; } = ModelInput.Image;

    /// <summary>Builds the model; with <paramref name="init"/>, its parameters are drawn from that generator.</summary>
    public abstract Module<Tensor, Tensor> Create(Generator? init = null);
}

/// <summary>
/// The input a model was trained on: MNIST images (N, 1, 28, 28) in [0, 1]; the 784 pixels followed by the ring
/// bit (seed 000) or by a zero in its place; or the outputs of another training of the same run (a greedy layer).
/// </summary>
public sealed record ModelInput(string Kind, string? Training = null)
{
    public static readonly ModelInput Image = new("image");
    public static readonly ModelInput PixelsAndRing = new("pixels+ring");
    public static readonly ModelInput PixelsAndZero = new("pixels+zero");

    public static ModelInput OutputOf(string training) => new("output-of", training);

    public override string ToString() => Training is null ? Kind : $"{Kind} '{Training}'";
}
