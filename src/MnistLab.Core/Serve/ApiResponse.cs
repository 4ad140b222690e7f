using System.Text.Json;
using MnistLab.Common;

namespace MnistLab.Serve;

/// <summary>
/// An answer of the API as its status and JSON: 200 with the result, or the error as <c>{"error": "..."}</c> in one
/// line: 400 for <see cref="BadRequestException"/> and <see cref="InvalidOptionException"/>, 404 for
/// <see cref="NotFoundException"/>, 500 for anything else, logged whole and answered without its trace.
/// </summary>
static class ApiResponse
{
    /// <summary>The wire format: MnistLab's JSON (snake_case names, NaN and infinity as named literals), unindented.</summary>
    public static readonly JsonSerializerOptions Wire = new(MnistLab.Common.Json.Options) { WriteIndented = false };

    public static (int Status, byte[] Json) Of(Func<object> answer, Action<string> log)
    {
        int status;
        object body;
        try { (status, body) = (200, answer()); }
        catch (Exception e) when (e is BadRequestException or InvalidOptionException) { (status, body) = (400, new ErrorAnswer(OneLine(e.Message))); }
        catch (NotFoundException e) { (status, body) = (404, new ErrorAnswer(OneLine(e.Message))); }
        catch (Exception e)
        {
            // A trace tells a client nothing it can act on, and may tell too much: it goes to the server's log.
            log($"error: {e}");
            (status, body) = (500, new ErrorAnswer(e is MnistLabException ? OneLine(e.Message) : $"internal error ({e.GetType().Name}); the server's log has the details."));
        }
        return (status, Json(body));
    }

    public static byte[] Json(object body) => JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Wire);

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
