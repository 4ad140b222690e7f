using System.Text.Json;
using MnistLab.Common;
using MnistLab.Serve;

namespace MnistLab.Tests.Serve;

/// <summary>How every answer's errors reach a client: the status, and one line; a server error's trace only in the log.</summary>
public class ApiResponseTests
{
    static (int Status, string Error) Refusal(Func<object> answer) { var (status, error, _) = Answer(answer); return (status, error); }

    static (int Status, string Error, List<string> Log) Answer(Func<object> answer)
    {
        var log = new List<string>();
        var (status, json) = ApiResponse.Of(answer, log.Add);
        using var doc = JsonDocument.Parse(json);
        return (status, doc.RootElement.TryGetProperty("error", out var e) ? e.GetString()! : "", log);
    }

    [Fact]
    public void A_result_is_200_and_each_kind_of_refusal_has_its_status()
    {
        Assert.Equal(200, Answer(() => new ImageAnswer([0.5f])).Status);
        Assert.Equal((400, "bad"), Refusal(() => throw new BadRequestException("bad")));
        Assert.Equal((400, "ExplainOptions.Target must be ..."), Refusal(() => throw new InvalidOptionException("ExplainOptions.Target", "ExplainOptions.Target must be ...")));
        Assert.Equal((404, "no model 'x'; the models are a, b."), Refusal(() => throw new NotFoundException("no model 'x'; the models are a, b.")));
    }

    [Fact]
    public void A_server_error_is_500_in_one_line_without_its_trace_which_goes_to_the_log()
    {
        static object Fail() => throw new InvalidOperationException("deep inside\nat Some.Frame()");
        var (status, error, log) = Answer(Fail);
        Assert.Equal(500, status);
        Assert.Equal("internal error (InvalidOperationException); the server's log has the details.", error);
        var line = Assert.Single(log);
        Assert.Contains("deep inside", line);
        Assert.Contains(nameof(Fail), line); // the whole exception, trace included, is logged

        // A failure the user can act on keeps its message, made one line.
        (status, error, _) = Answer(() => throw new DataFormatException("model.json: not a valid card\n(second line)."));
        Assert.Equal((500, "model.json: not a valid card (second line)."), (status, error));
    }
}
