using MnistLab.Common;
using MnistLab.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>
/// One training as <see cref="TrainingLoop"/> runs it: what it trains (model, optimiser, generators), what it
/// saves at the end of an epoch (<typeparamref name="TState"/>: its history or running sums), and its step.
/// The classifier trainer, the VAE trainer and the local-MI rule differ only here.
/// </summary>
public abstract class EpochTraining<TState> : IDisposable
{
    readonly Dictionary<string, Generator> _generators = [];

    protected EpochTraining(string name, int epochs, object options, nn.Module model)
    {
        Name = name;
        Epochs = epochs;
        Options = options;
        Model = model;
    }

    /// <summary>The training's name: its checkpoint's name and its label in progress and errors.</summary>
    public string Name { get; }
    public int Epochs { get; }

    /// <summary>The training's own options, saved in its checkpoints.</summary>
    public object Options { get; }
    public nn.Module Model { get; }
    public OptimizerHelper? Optimizer { get; protected init; }
    public IReadOnlyDictionary<string, Generator> Generators => _generators;

    /// <summary>What a resumed training continues from; saved after every epoch.</summary>
    public abstract TState State { get; set; }

    public abstract int StepsPerEpoch { get; }

    /// <summary>The progress bar's label of an epoch.</summary>
    public virtual string Describe(int epoch) => $"{Name} epoch {epoch}/{Epochs}";

    /// <summary>The status beside the progress bar after the latest step.</summary>
    public virtual string Status => "";

    /// <summary>Runs the steps of one epoch, yielding each step's loss after the step (so the loop can check it).</summary>
    public abstract IEnumerable<double> Epoch(int epoch);

    /// <summary>Work at the end of an epoch, before its checkpoint (a validation pass, a line for the log).</summary>
    public virtual void EndEpoch(int epoch, IProgressSink progress) { }

    /// <summary>A generator this training draws from, seeded from the run's seed and the stream's name, and saved in its checkpoints.</summary>
    protected Generator Stream(string stream, long seed)
    {
        var generator = Seeds.Generator(seed, $"{Name}/{stream}");
        _generators.Add(stream, generator);
        return generator;
    }

    public virtual void Dispose()
    {
        Optimizer?.Dispose();
        if (Model is IStochastic stochastic) stochastic.Noise = null;
        foreach (var g in _generators.Values) g.Dispose();
        GC.SuppressFinalize(this);
    }
}
