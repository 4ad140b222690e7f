using MnistLab.ElfPatch;

// Usage: ElfPatch <libLibTorchSharp.so>...   (run by Directory.Build.targets after build and publish)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ElfPatch <libLibTorchSharp.so>...");
    return 2;
}
string? system = GlibcxxPatch.FindSystemLibrary();
foreach (string target in args)
{
    try
    {
        var outcome = GlibcxxPatch.Apply(target, system);
        if (outcome == PatchOutcome.Patched)
            Console.WriteLine($"ElfPatch: marked {GlibcxxPatch.Version} optional in {target} (system libstdc++ lacks it)");
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"ElfPatch: {target}: {e.Message}");
        return 1;
    }
}
return 0;
