using MnistLab.Analysis.Verification;
using MnistLab.Common;

namespace MnistLab.Benchmarks;

/// <summary>
/// VNN-COMP 2022's <c>mnist_fc</c> benchmark (three ReLU networks, 256x2, 256x4 and 256x6; 15 images at ε 0.03 and 0.05;
/// bench/vnncomp2022/mnist_fc): every instance with <c>verify --method complete</c> under the competition's own time limit,
/// on this machine's cores, every unsat answer with its certificate, which the exact checker then re-derives. The figure is
/// the count solved (sat or unsat), beside the entrants' published answers: an
/// answer that contradicts them is counted and named, never hidden. The peers here are the entrants' results files, not a
/// run on this machine: the times are not a ratio.
/// </summary>
static class VerifyBench
{
    public static object Run(BenchContext c)
    {
        var suite = VnnCompSuite.Open(Folder() ?? throw new MnistLabException(
            "the mnist_fc benchmark is not beside the program (vnncomp2022/mnist_fc) nor under bench/vnncomp2022/mnist_fc here."));
        string work = Directory.CreateTempSubdirectory("mnistlab-verify-bench-").FullName;
        var answers = new List<VnnCompAnswer>();
        try
        {
            c.Progress.Info($"VNN-COMP 2022 mnist_fc: {suite.Instances.Count} instances, complete verification, the competition's time limits ...");
            using var task = c.Progress.Start("mnist_fc", suite.Instances.Count);
            foreach (var instance in suite.Instances)
            {
                var answer = suite.Run(instance, new VnnLibOptions { Method = "complete", Certify = true }, work, progress: c.Progress);
                answers.Add(answer);
                // One line per instance in the log, so that a run stopped early still says what it found.
                c.Progress.Info($"{instance.Name}: {answer.Status.ToString().ToLowerInvariant()} in {answer.Seconds:F1} s (limit {instance.Timeout:F0} s; published {answer.Reference ?? "none"})" +
                    (answer.Check is { } check ? $"; certificate {(check.Accepted ? "accepted" : "rejected")}, {check.Leaves} leaves, checked in {check.Seconds:F2} s" : ""));
                task.Advance(1, $"{instance.Name}: {answer.Status.ToString().ToLowerInvariant()} ({answers.Count(a => a.Solved)} solved)");
            }
        }
        finally { Directory.Delete(work, recursive: true); }

        var contradictions = answers.Where(a => a.Contradicts).Select(a => a.Instance.Name).ToList();
        return new
        {
            instances = answers.Count,
            solved = answers.Count(a => a.Solved),
            sat = answers.Count(a => a.Status == VnnStatus.Sat),
            unsat = answers.Count(a => a.Status == VnnStatus.Unsat),
            unknown_or_timeout = answers.Count(a => !a.Solved),
            seconds = answers.Sum(a => a.Seconds),
            contradictions,
            // Every unsat answer comes with a certificate, re-derived here by the exact checker (its time is not in seconds).
            certificates_accepted = answers.Count(a => a.Check is { Accepted: true }),
            certificates_rejected = answers.Where(a => a.Check is { Accepted: false }).Select(a => $"{a.Instance.Name}: {a.Check!.Reason}").ToList(),
            check_seconds = answers.Sum(a => a.Check?.Seconds ?? 0),
            alpha_beta_crown_solved = suite.SolvedBy("alpha_beta_crown"),
            solved_by_no_entrant = answers.Where(a => a.Solved && a.Reference is null).Select(a => a.Instance.Name).ToList(),
            per_instance = answers.Select(a => new
            {
                instance = a.Instance.Name,
                timeout = a.Instance.Timeout,
                result = a.Status.ToString().ToLowerInvariant(),
                a.Seconds,
                published = a.Reference,
                certificate_leaves = a.Check?.Leaves,
                check_seconds = a.Check?.Seconds,
            }),
        };
    }

    /// <summary>Where the benchmark is: beside the program (copied at build) or in the source tree.</summary>
    static string? Folder()
    {
        foreach (var dir in new[] { Path.Combine(AppContext.BaseDirectory, "vnncomp2022", "mnist_fc"), Path.Combine(Directory.GetCurrentDirectory(), "bench", "vnncomp2022", "mnist_fc") })
            if (File.Exists(Path.Combine(dir, "instances.csv"))) return dir;
        return null;
    }
}
