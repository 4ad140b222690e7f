using static TorchSharp.torch;

namespace MnistLab.Attribution.Graph;

/// <summary>A residual block x + F(x), F its branch of stages (the skip broadcast over channels when x has one, as in the seed's first block).</summary>
sealed class ResidualStage(IReadOnlyList<Stage> branch) : Stage
{
    public IReadOnlyList<Stage> Branch { get; } = branch;

    public override string Describe() => $"residual(x + {string.Join(" → ", Branch.Select(s => s.Describe()))})";
    public override Tensor Forward(Tensor a) => a + Branch.Aggregate(a, (x, s) => s.Forward(x));
}
