namespace MnistLab.Tests.Support;

/// <summary>Tests that read process-wide counters run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
