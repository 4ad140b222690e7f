using MnistLab.Analysis.Information;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;

namespace MnistLab.Experiments.Linearity;

/// <summary>
/// The MLP's information plane: its hidden layer (relu1) and its output, I(T; X) and I(T; Y) on the first test images
/// before training and after every epoch. The observer reads the model in eval mode and draws nothing from the training's
/// random streams, so the training's own numbers are the same with or without it.
/// </summary>
static class InformationPlaneSection
{
    public const string Model = "mlp_ce";
    static readonly string[] Layers = ["relu1", "output"];

    /// <summary>An information plane watching nothing yet, or null when the options turn it off.</summary>
    public static InformationPlane? Start(LinearityOptions o, Mnist mnist) =>
        o.Plane is null ? null : new InformationPlane(o.Plane, mnist.Test.LabelArray(), o.Seed);

    /// <summary>Watches the model <paramref name="key"/> if it is the MLP; returns the plane to pass to its training, or null.</summary>
    public static InformationPlane? Watch(InformationPlane? plane, string key, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, Mnist mnist)
    {
        if (plane is null || key != Model) return null;
        plane.Watch(key, model, mnist.Test.Images, Layers);
        return plane;
    }

    public static string Markdown(LinearityResult r, ReportFolder folder) => r.Plane is null ? ""
        : InformationPlaneReport.Section(r.Plane, r.Options.Plane!, r.PlaneSeconds, folder, "plane_mlp", "Information plane of the MLP");

    public static object? Metrics(LinearityResult r) => r.Plane is null ? null : new { seconds = r.PlaneSeconds, points = InformationPlaneReport.Metrics(r.Plane) };
}
