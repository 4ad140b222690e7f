using MnistLab.Analysis.Information;
using MnistLab.Data;
using MnistLab.Reports;

namespace MnistLab.Experiments.LocalMi;

/// <summary>
/// The information plane of every layer the local rule trains (per epoch of its layer-wise training) and of the backprop
/// baseline's hidden layer and output (per epoch), on the first test images. Observing draws nothing from the trainings'
/// random streams, so their numbers are the same with or without it.
/// </summary>
static class InformationPlaneSection
{
    public static InformationPlane? Start(LocalMiExperimentOptions o, LabeledImages test) =>
        o.Plane is null ? null : new InformationPlane(o.Plane, test.LabelArray(), o.Seed);

    public static string Markdown(LocalMiResult r, ReportFolder folder) => r.Plane is null ? ""
        : InformationPlaneReport.Section(r.Plane, r.Options.Plane!, r.PlaneSeconds, folder, "plane", "Information plane of the local layers and of backprop");

    public static object? Metrics(LocalMiResult r) => r.Plane is null ? null : new { seconds = r.PlaneSeconds, points = InformationPlaneReport.Metrics(r.Plane) };
}
