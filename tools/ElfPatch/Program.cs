using MnistLab.Natives;

// Usage: ElfPatch [--always] <libLibTorchSharp.so>...   (run by Directory.Build.targets after build and publish)
// A build output runs here, so it is patched only when this system's libstdc++ lacks the version; a published folder
// (and so the mnistlab tool package) runs wherever it is copied, so --always patches it regardless.
bool always = args.Length > 0 && args[0] == "--always";
string[] targets = always ? args[1..] : args;
if (targets.Length == 0)
{
    Console.Error.WriteLine("usage: ElfPatch [--always] <libLibTorchSharp.so>...");
    return 2;
}
string? system = always ? null : GlibcxxPatch.FindSystemLibrary();
foreach (string target in targets)
{
    try
    {
        var outcome = GlibcxxPatch.Apply(target, system);
        if (outcome == PatchOutcome.Patched)
            Console.WriteLine(always
                ? $"ElfPatch: marked {GlibcxxPatch.Version} optional in {target} (a published copy, for systems whose libstdc++ lacks it)"
                : $"ElfPatch: marked {GlibcxxPatch.Version} optional in {target} (system libstdc++ lacks it)");
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"ElfPatch: {target}: {e.Message}");
        return 1;
    }
}
return 0;
