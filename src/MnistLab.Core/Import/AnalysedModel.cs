namespace MnistLab.Import;

/// <summary>A model an experiment analysed instead of training its own: its folder and where it came from, as reports name it.</summary>
public sealed record AnalysedModel(string Folder, string Source, string SourceSha256, string SourceFormat, string Architecture)
{
    public static AnalysedModel Of(LoadedModel loaded) =>
        new(Path.GetFullPath(loaded.Folder), loaded.Card.Source, loaded.Card.SourceSha256, loaded.Card.SourceFormat, loaded.Card.Architecture);
}
