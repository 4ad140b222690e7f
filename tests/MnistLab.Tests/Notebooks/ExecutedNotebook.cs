using System.Text.Json;

namespace MnistLab.Tests.Notebooks;

/// <summary>A notebook as nbconvert wrote it after executing it: its error outputs and its printed text, per cell.</summary>
public sealed class ExecutedNotebook
{
    const string FiguresPrefix = "FIGURES ";

    /// <summary>One line per error output: the cell's id, the exception's name and message.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Everything the cells printed to stdout and stderr, in order.</summary>
    public string Text { get; }

    /// <summary>The HTML of every displayed object, with its cell's id.</summary>
    public IReadOnlyList<(string Cell, string Html)> Html { get; }

    /// <summary>How many code cells ran (have an execution count).</summary>
    public int ExecutedCells { get; }

    /// <summary>How many code cells the notebook has.</summary>
    public int CodeCells { get; }

    ExecutedNotebook(IReadOnlyList<string> errors, string text, IReadOnlyList<(string, string)> html, int executed, int code) =>
        (Errors, Text, Html, ExecutedCells, CodeCells) = (errors, text, html, executed, code);

    public static ExecutedNotebook Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var errors = new List<string>();
        var text = new System.Text.StringBuilder();
        var html = new List<(string, string)>();
        int executed = 0, code = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            code++;
            if (cell.TryGetProperty("execution_count", out var count) && count.ValueKind == JsonValueKind.Number) executed++;
            string id = cell.TryGetProperty("id", out var i) ? i.GetString() ?? "?" : "?";
            foreach (var output in cell.GetProperty("outputs").EnumerateArray())
            {
                switch (output.GetProperty("output_type").GetString())
                {
                    case "error":
                        errors.Add($"cell '{id}': {output.GetProperty("ename").GetString()}: {output.GetProperty("evalue").GetString()}");
                        break;
                    case "stream":
                        text.Append(Joined(output.GetProperty("text")));
                        break;
                    case "display_data" or "execute_result":
                        if (output.GetProperty("data").TryGetProperty("text/html", out var h)) html.Add((id, Joined(h)));
                        break;
                }
            }
        }
        return new ExecutedNotebook(errors, text.ToString(), html, executed, code);
    }

    /// <summary>The JSON object of the one line the notebook printed as <c>FIGURES {...}</c>; throws if there is none.</summary>
    public JsonElement Figures()
    {
        var lines = Text.Split('\n').Where(l => l.StartsWith(FiguresPrefix, StringComparison.Ordinal)).ToList();
        if (lines.Count != 1) throw new InvalidOperationException($"expected one '{FiguresPrefix}' line, found {lines.Count}; the notebook printed:\n{Text}");
        return JsonDocument.Parse(lines[0][FiguresPrefix.Length..]).RootElement.Clone();
    }

    // nbformat stores multi-line text either as one string or as a list of lines.
    static string Joined(JsonElement text) =>
        text.ValueKind == JsonValueKind.Array ? string.Concat(text.EnumerateArray().Select(l => l.GetString())) : text.GetString() ?? "";
}
