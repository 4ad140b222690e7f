using System.Reflection;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

/// <summary>
/// One `run NAME` command per registered experiment: with the flags of its settings class (marked
/// <see cref="FlagsOfAttribute"/>) where it has one, else with the common flags and --set.
/// </summary>
static class RunCommands
{
    public static void Add(IConfigurator<CommandSettings> run, IExperiment experiment)
    {
        var settings = typeof(RunCommands).Assembly.GetTypes()
            .FirstOrDefault(t => t.GetCustomAttribute<FlagsOfAttribute>()?.Experiment == experiment.Name) ?? typeof(RunSettings);
        var command = typeof(RunCommand<>).MakeGenericType(settings);
        var add = typeof(IConfigurator<CommandSettings>).GetMethod(nameof(IConfigurator<CommandSettings>.AddCommand))!.MakeGenericMethod(command);
        var configured = (ICommandConfigurator)add.Invoke(run, [experiment.Name])!;
        configured.WithDescription($"{experiment.Title}: {experiment.Question}")
            .WithExample("run", experiment.Name, "--out", $"runs/{experiment.Name}")
            .WithExample("run", experiment.Name, "--quick", "--seed", "1", "--out", $"runs/{experiment.Name}-quick-1");
    }
}
