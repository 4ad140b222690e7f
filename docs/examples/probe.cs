#:package MnistLab.Core@0.1.0
#:property PublishAot=false

// MnistLab from one C# file: `dotnet run probe.cs` (the .NET 10 SDK; the package from a feed NuGet can reach).
// It trains a linear softmax classifier for one epoch on the real MNIST and writes the run's report folder.
using MnistLab.Data;
using MnistLab.Experiments.Linearity;
using MnistLab.Natives;
using MnistLab.Training;

string output = args.Length > 0 ? args[0] : Path.Combine("runs", "probe");

// MNIST, found where MnistLab or torchvision keep it (or fetched), checked against the originals' SHA-256.
using var data = LabData.From(new MnistSource());

// The limits-of-linearity experiment with the linear model alone, one epoch.
var linearity = new LinearityExperiment();
var options = linearity.Defaults with { Models = ["linear_ce"], Train = new TrainOptions { Epochs = 1 } };
var run = linearity.RunInto(options, output, data);

Console.WriteLine($"libtorch's glue: {LibTorchNatives.Status.Description}");
Console.WriteLine($"linear + cross-entropy, one epoch: {run.Figures["linear_ce_test_acc"]:P2} test accuracy");
Console.WriteLine($"report: {Path.GetFullPath(output)}");
