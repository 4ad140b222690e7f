using System.Globalization;
using System.IO.Compression;
using MnistLab.Common;
using MnistLab.Import;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>One instance of a VNN-COMP benchmark: a network, a property, and the competition's time limit for it.</summary>
public sealed record VnnCompInstance(string Onnx, string Vnnlib, double Timeout)
{
    /// <summary>The instance's name as the results name it: the network's and the property's file names without folders.</summary>
    public string Name => $"{Path.GetFileNameWithoutExtension(Onnx)}/{Path.GetFileNameWithoutExtension(Vnnlib)}";
}

/// <summary>MnistLab's answer to one instance beside the entrants' published ones.</summary>
/// <param name="Reference"><c>sat</c> where any entrant gave a counterexample, else <c>unsat</c> where any proved it, else null.</param>
public sealed record VnnCompAnswer(VnnCompInstance Instance, VnnStatus Status, double Seconds, string? Reference)
{
    /// <summary>For sat, the counterexample (re-checked on the model) and the model's outputs on it.</summary>
    public double[]? X { get; init; }
    public double[]? Y { get; init; }

    /// <summary>For an unsat answer asked to be certified: what the exact checker made of its certificate.</summary>
    public Certificates.CheckResult? Check { get; init; }

    public bool Solved => Status is VnnStatus.Sat or VnnStatus.Unsat;

    /// <summary>
    /// An answer that contradicts the published ones: unsat where an entrant gave a counterexample (VNN-COMP's scoring
    /// checked each), or sat where entrants proved it and none found one. Either is a soundness bug of someone's.
    /// </summary>
    public bool Contradicts => (Status, Reference) is (VnnStatus.Unsat, "sat") or (VnnStatus.Sat, "unsat");
}

/// <summary>
/// A VNN-COMP benchmark folder as the competition's repository lays it out: <c>instances.csv</c> (network, property, time
/// limit in seconds; paths relative to the folder, each file possibly gzipped beside its name), with the entrants' answers
/// in <c>published.csv</c> (tool, network, property, result, seconds). Each instance runs through the same
/// <see cref="VnnLibCheck"/> as <c>mnistlab verify --onnx --vnnlib</c>, the network read by the importer.
/// </summary>
public sealed class VnnCompSuite
{
    public string Folder { get; }
    public IReadOnlyList<VnnCompInstance> Instances { get; }

    /// <summary>The entrants' answers by instance name: each tool's result.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Published { get; }

    VnnCompSuite(string folder, IReadOnlyList<VnnCompInstance> instances, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> published) =>
        (Folder, Instances, Published) = (folder, instances, published);

    public static VnnCompSuite Open(string folder)
    {
        string list = Path.Combine(folder, "instances.csv");
        if (!File.Exists(list)) throw new MnistLabException($"{folder}: not a VNN-COMP benchmark folder (no instances.csv).");
        var instances = new List<VnnCompInstance>();
        int line = 0;
        foreach (var text in File.ReadLines(list))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var f = text.Split(',');
            if (f.Length != 3 || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var timeout) || !(timeout > 0))
                throw new MnistLabException($"{list}, line {line}: expected 'network.onnx,property.vnnlib,timeout seconds', got '{text}'.");
            instances.Add(new VnnCompInstance(f[0].Trim(), f[1].Trim(), timeout));
        }
        var published = new Dictionary<string, Dictionary<string, string>>();
        string answers = Path.Combine(folder, "published.csv");
        if (File.Exists(answers))
            foreach (var text in File.ReadLines(answers).Skip(1))
            {
                var f = text.Split(',');
                if (f.Length < 4) continue;
                string name = $"{Path.GetFileNameWithoutExtension(f[1])}/{Path.GetFileNameWithoutExtension(f[2])}";
                if (!published.TryGetValue(name, out var tools)) published[name] = tools = [];
                tools[f[0]] = f[3];
            }
        return new VnnCompSuite(folder, instances,
            published.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, string>)p.Value));
    }

    /// <summary><c>sat</c> where an entrant gave a counterexample, else <c>unsat</c> where one proved the property, else null.</summary>
    public string? Reference(VnnCompInstance instance)
    {
        if (!Published.TryGetValue(instance.Name, out var tools)) return null;
        return tools.Values.Contains("sat") ? "sat" : tools.Values.Contains("unsat") ? "unsat" : null;
    }

    /// <summary>How many instances <paramref name="tool"/>'s published results solve (sat or unsat).</summary>
    public int SolvedBy(string tool) => Published.Values.Count(t => t.TryGetValue(tool, out var r) && r is "sat" or "unsat");

    /// <summary>
    /// One instance under <paramref name="options"/> with the instance's own time limit (times <paramref name="timeScale"/>);
    /// gzipped files are read through a temporary copy in <paramref name="work"/>.
    /// </summary>
    public VnnCompAnswer Run(VnnCompInstance instance, VnnLibOptions options, string work, double timeScale = 1, IProgressSink? progress = null)
    {
        string onnx = Unpacked(instance.Onnx, work), vnnlib = Unpacked(instance.Vnnlib, work);
        var property = VnnLibProperty.Read(vnnlib);
        var built = ModelSource.Build(onnx, null, null, empty(0));
        using var model = built.Model;
        var result = VnnLibCheck.Compute(model, property, options with { Timeout = instance.Timeout * timeScale }, progress);
        var check = result.Certificate is { } certificate
            ? Certificates.CertificateCheck.Run(certificate, Certificates.ExactNetwork.Of(BoundGraph.Of(model)), VnnLibCheck.Split(property),
                Interval.Box(tensor(property.Lower), tensor(property.Upper)))
            : null;
        return new VnnCompAnswer(instance, result.Status, result.Seconds, Reference(instance)) { Check = check, X = result.X, Y = result.Y };
    }

    /// <summary>The file as named, or its gzipped copy (name.gz) unpacked once into <paramref name="work"/>.</summary>
    public string Unpacked(string relative, string work)
    {
        string path = Path.Combine(Folder, relative);
        if (File.Exists(path)) return path;
        if (!File.Exists(path + ".gz")) throw new MnistLabException($"{path}: no such file (nor {relative}.gz) in the benchmark folder.");
        string target = Path.Combine(work, relative);
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string partial = target + ".partial";
        using (var from = new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress))
        using (var to = File.Create(partial))
            from.CopyTo(to);
        File.Move(partial, target, overwrite: true);
        return target;
    }
}
