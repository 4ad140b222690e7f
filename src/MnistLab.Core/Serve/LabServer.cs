using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>
/// <c>mnistlab serve</c> as a library call: a local web server (ASP.NET Core's Kestrel) with the page and the JSON API over
/// a <see cref="ModelCatalogue"/>. Kestrel's threads only move bytes: a request's body is read into a pooled buffer and
/// handed to the one <see cref="TorchWorker"/> thread, which parses it, checks it, computes the answer and writes it as
/// JSON. So every libtorch call, and nearly every allocation that could start a garbage collection, happens on that
/// thread, as in the rest of MnistLab (see <c>GcMode</c>). Errors are answered <c>{"error": "..."}</c>: 400 for a request
/// that cannot be taken as it is, 404 for an unknown model, point, method or image (listing the known ones), 413 for a
/// body over the limit, 500 (logged whole, answered without a trace) for anything else. Dispose stops it: requests in
/// flight finish, then the models are freed.
/// </summary>
public sealed class LabServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly TorchWorker _worker;
    readonly ModelCatalogue _catalogue;
    readonly Mnist? _mnist;
    readonly Action<string> _log;
    readonly long _maxRequestBytes;
    readonly RunFolders _runs;

    /// <summary>The test images' concepts, once asked for (only the worker thread reads or writes it).</summary>
    IReadOnlyList<Analysis.Concepts.ConceptValues>? _testConcepts;

    LabServer(WebApplication app, TorchWorker worker, ModelCatalogue catalogue, Mnist? mnist, Action<string> log, long maxRequestBytes, RunFolders runs)
        => (_app, _worker, _catalogue, _mnist, _log, _maxRequestBytes, _runs) = (app, worker, catalogue, mnist, log, maxRequestBytes, runs);

    /// <summary>The address the server listens on (with the port Kestrel chose when the options asked for port 0).</summary>
    public Uri Address { get; private set; } = null!;

    public ModelCatalogue Catalogue => _catalogue;

    /// <summary>
    /// Loads the models of <paramref name="options"/> (on the server's libtorch thread) and starts listening.
    /// <paramref name="mnist"/>, which the caller keeps and frees after the server, serves the test and training images by
    /// index and the test set's means for mean ablation; without it those are refused. <paramref name="log"/> receives the
    /// models found and every server error.
    /// </summary>
    public static async Task<LabServer> StartAsync(ServeOptions options, Mnist? mnist = null, Action<string>? log = null)
    {
        options.Validated();
        log ??= _ => { };
        var worker = new TorchWorker();
        ModelCatalogue? catalogue = null;
        try
        {
            catalogue = await worker.Run(() => ModelCatalogue.Build(options, log));
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
            {
                k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
                k.AddServerHeader = false;
                if (options.Host == "localhost") k.ListenLocalhost(options.Port);
                else k.Listen(IPAddress.Parse(options.Host), options.Port);
            });
            builder.Services.AddRoutingCore();
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new LabServer(app, worker, catalogue, mnist, log, options.MaxRequestBytes, new RunFolders(options.Runs));
            server.Map(app);
            try { await app.StartAsync(); }
            catch (IOException e) { throw new MnistLabException($"cannot listen on {options.Host}:{options.Port}: {e.Message}"); }
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            server.Address = new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost"));
            return server;
        }
        catch
        {
            catalogue?.Dispose();
            worker.Dispose();
            throw;
        }
    }

    void Map(WebApplication app)
    {
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            // The page and its script come from this server only: a browser refuses anything else it might be asked to load.
            context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'";
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            await next(context);
        });
        app.MapGet("/", context => PageFile.Write(context, "index.html"));
        app.MapGet("/{file}", context => PageFile.Write(context, (string)context.GetRouteValue("file")!));

        app.MapGet("/api/models", context => Answer(context, () => new ModelsAnswer(_catalogue.Models.Select(m => m.Description).ToList(), _catalogue.Skipped)));
        app.MapGet("/api/status", context => Answer(context, Status));
        app.MapGet("/api/runs", context => Answer(context, _runs.List));
        app.MapGet("/runs/{run}/{**path}", ServeRunFile);
        app.MapGet("/api/images/{split}/{index}", context =>
        {
            string split = (string)context.GetRouteValue("split")!, index = (string)context.GetRouteValue("index")!;
            return Answer(context, () => DatasetImageAt(split, index));
        });
        app.MapPost("/api/digitize", context => Answer<DigitizeRequest>(context, r =>
        {
            if (r.Drawing is null || r.Drawing.Length != ImageInput.CanvasSide * ImageInput.CanvasSide)
                throw new BadRequestException($"'drawing' must be {ImageInput.CanvasSide * ImageInput.CanvasSide:N0} numbers (280x280, row by row), got {r.Drawing?.Length ?? 0:N0}.");
            return new ImageAnswer(ImageInput.Pixels(r.Drawing, "drawing"));
        }));
        app.MapPost("/api/png", context => Answer<PngRequest>(context, r => PngInput.Read(r.Png)));
        app.MapPost("/api/predict", context => Answer<PredictRequest>(context, r =>
            LabQueries.Predict(_catalogue.Get(r.Model), ImageInput.Pixels(r.Image))));
        app.MapPost("/api/explain", context => Answer<ExplainRequest>(context, r =>
            LabQueries.Explain(_catalogue.Get(r.Model), ImageInput.Pixels(r.Image), r.Method, r.Target)));
        app.MapPost("/api/activations", context => Answer<ActivationsRequest>(context, r =>
            LabQueries.ActivationsAt(_catalogue.Get(r.Model), ImageInput.Pixels(r.Image), r.Points)));
        app.MapPost("/api/ablate", context => Answer<AblateRequest>(context, r =>
            LabQueries.Ablate(_catalogue.Get(r.Model), ImageInput.Pixels(r.Image), r.Ablations, _mnist?.Test.Images)));
        app.MapPost("/api/concepts", context => Answer<ConceptsRequest>(context, r => TestSetQueries.Concepts(ImageInput.Pixels(r.Image))));
        app.MapGet("/api/concepts/test", context => Answer(context, () => TestSetQueries.TestConcepts(_mnist?.Test, ref _testConcepts)));
        app.MapPost("/api/probe-readings", context => Answer<ProbeReadingsRequest>(context, r =>
            TestSetQueries.ProbeReadings(_catalogue.Get(r.Model), ImageInput.Pixels(r.Image), r.Point, _mnist?.Test, ref _testConcepts)));
        // A model's id holds slashes (runs/all/mlp), sent as they are or as %2F: the path is read segment by segment from its end.
        app.MapGet("/api/units/{**rest}", context =>
        {
            var parts = Segments(context, "/api/units/");
            return Answer(context, () => parts.Length < 3
                ? throw new NotFoundException("ask for GET /api/units/{model}/{point}/{unit}.")
                : TestSetQueries.Unit(_catalogue.Get(string.Join('/', parts[..^2])), parts[^2], parts[^1], _mnist?.Test));
        });
        app.MapGet("/api/projection/{**rest}", context =>
        {
            var parts = Segments(context, "/api/projection/");
            return Answer(context, () => parts.Length < 2
                ? throw new NotFoundException("ask for GET /api/projection/{model}/{point}.")
                : TestSetQueries.Projection(_catalogue.Get(string.Join('/', parts[..^1])), parts[^1], _mnist?.Test));
        });
        app.MapGet("/api/mistakes/{**rest}", context =>
        {
            string model = string.Join('/', Segments(context, "/api/mistakes/"));
            string? label = context.Request.Query["label"], predicted = context.Request.Query["predicted"];
            return Answer(context, () => TestSetQueries.Mistakes(_catalogue.Get(model), _mnist?.Test, label, predicted));
        });
        app.Map("/api/{**rest}", context =>
        {
            string request = $"{context.Request.Method} {context.Request.Path}";
            return Answer(context, () => throw new NotFoundException(
                $"no endpoint {request}; the API has GET /api/models, GET /api/status, GET /api/images/{{test|train}}/{{index}}, " +
                "GET /api/runs, GET /api/units/{model}/{point}/{unit}, GET /api/projection/{model}/{point}, GET /api/mistakes/{model}, GET /api/concepts/test, " +
                "POST /api/predict, /api/explain, /api/activations, /api/ablate, /api/concepts, /api/probe-readings, /api/digitize, /api/png (see docs/SERVE.md)."));
        });
    }

    /// <summary>
    /// A file of a run folder, as it was written (a report's relative links to its figures and the index's to the reports
    /// work as they do on disk). Found by the run's id and the file's path as keys into <see cref="RunFolders"/>' listing.
    /// </summary>
    async Task ServeRunFile(HttpContext context)
    {
        string run = (string)context.GetRouteValue("run")!, path = (string?)context.GetRouteValue("path") ?? "";
        try
        {
            string file = _runs.Find(run, path);
            // A report's page carries its style sheet and its table-sorting script inline (the script allowed by its hash
            // alone); it still loads nothing from elsewhere.
            context.Response.Headers["Content-Security-Policy"] = $"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' {Reports.HtmlPage.ScriptSource}";
            context.Response.ContentType = RunFolders.Types[Path.GetExtension(file)];
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.SendFileAsync(file, context.RequestAborted);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is NotFoundException or FileNotFoundException or DirectoryNotFoundException)
        {
            // Not listed, or removed between the listing and the read.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(e is NotFoundException ? e.Message : $"run '{run}' has no report file '{path}' any more.");
        }
    }

    /// <summary>The path's segments after <paramref name="prefix"/>, each unescaped (a %2F inside a segment stays escaped in the path).</summary>
    static string[] Segments(HttpContext context, string prefix) =>
        (context.Request.Path.Value ?? "")[prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString)
            .SelectMany(s => s.Split('/')).ToArray();

    /// <summary>What the server holds: its models, the live libtorch tensors (flat under load when nothing leaks) and its memory.</summary>
    object Status()
    {
        using var self = Process.GetCurrentProcess();
        return new StatusAnswer(_catalogue.Models.Count, Tensor.TotalCount, self.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0);
    }

    DatasetImage DatasetImageAt(string split, string index)
    {
        if (_mnist is null) throw new NotFoundException("this server has not loaded MNIST, so it has no test or training images.");
        var set = split switch
        {
            "test" => _mnist.Test,
            "train" => _mnist.Train,
            _ => throw new NotFoundException($"no split '{split}'; the splits are test, train."),
        };
        if (!int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i) || i >= set.Count)
            throw new NotFoundException($"no {split} image '{index}'; the {split} images are 0 to {set.Count - 1}.");
        using var scope = NewDisposeScope();
        return new DatasetImage(split, i, (int)set.Labels[i].item<long>(), set.Images[i].reshape(-1).data<float>().ToArray());
    }

    /// <summary>A POST: the body read here, parsed, answered and written as JSON on the worker.</summary>
    Task Answer<TRequest>(HttpContext context, Func<TRequest, object> answer) where TRequest : class =>
        Respond(context, async () =>
        {
            var (buffer, length) = await ReadBody(context, _maxRequestBytes);
            try { return await _worker.Run(() => Encode(() => answer(Parse<TRequest>(buffer.AsSpan(0, length))))); }
            finally { ArrayPool<byte>.Shared.Return(buffer); }
        });

    /// <summary>A GET: answered and written as JSON on the worker.</summary>
    Task Answer(HttpContext context, Func<object> answer) => Respond(context, () => _worker.Run(() => Encode(answer)));

    async Task Respond(HttpContext context, Func<Task<(int Status, byte[] Json)>> handle)
    {
        int status;
        byte[] json;
        try { (status, json) = await handle(); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            (status, json) = (413, ApiResponse.Json(new ErrorAnswer($"the request body is larger than this server takes ({_maxRequestBytes:N0} bytes).")));
        }
        catch (BadHttpRequestException e) { (status, json) = (e.StatusCode, ApiResponse.Json(new ErrorAnswer($"bad request: {e.Message}"))); }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException) { return; } // the client went away
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, context.RequestAborted);
    }

    /// <summary>Reads the whole body into a buffer from the shared pool (the caller returns it): no garbage per request.</summary>
    static async Task<(byte[] Buffer, int Length)> ReadBody(HttpContext context, long limit)
    {
        var reader = context.Request.BodyReader;
        // Kestrel refuses a body over the limit at the first read; the buffer need never be larger than the limit.
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(context.Request.ContentLength ?? 4096, 16, Math.Min(limit + 1, int.MaxValue)));
        int length = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(context.RequestAborted);
                foreach (var segment in read.Buffer)
                {
                    if (length + segment.Length > buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + segment.Length));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    segment.Span.CopyTo(buffer.AsSpan(length));
                    length += segment.Length;
                }
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted) return (buffer, length);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    static T Parse<T>(ReadOnlySpan<byte> json) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, ApiResponse.Wire) ?? throw new BadRequestException("the body is null: send a JSON object.");
        }
        catch (JsonException e)
        {
            string where = e.Path is { } p && p != "$" ? $" at {p}" : "";
            string why = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ', '|');
            throw new BadRequestException($"the body is not the JSON this request takes{where}: {why}.");
        }
    }

    /// <summary>
    /// Runs <paramref name="answer"/> on the worker, in its own dispose scope (a tensor it forgets is freed when it ends;
    /// models are loaded outside any scope, since a module's own parameters made in one would be freed with it).
    /// </summary>
    (int Status, byte[] Json) Encode(Func<object> answer) => ApiResponse.Of(() =>
    {
        using var scope = NewDisposeScope();
        return answer();
    }, _log);

    /// <summary>Stops listening (requests in flight finish), then frees the models and ends the libtorch thread.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _worker.Dispose();
        _catalogue.Dispose();
    }
}
