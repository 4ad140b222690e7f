using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// A model whose forward pass applies its layers one after the other (hook points and memory layout aside), declared so
/// that exact Integrated Gradients and LRP read it as a layer graph without knowing its type. They refuse a declaration
/// that does not reproduce the model's output, so a forward pass that drifts from it cannot give wrong maps.
/// </summary>
public interface ILayerSequence
{
    /// <summary>
    /// The layers in the order the forward pass applies them, a layer it calls twice listed twice. A sequence that
    /// starts with a Linear layer reads the image flattened.
    /// </summary>
    IEnumerable<Module> Layers();
}

/// <summary>A block whose forward pass is x + F(x), F its branch of layers applied one after the other.</summary>
public interface IResidualBlock
{
    IEnumerable<Module> Branch();
}
