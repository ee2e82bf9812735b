using System.Globalization;
using System.Text.Json;
using CoSeg.Gaussians;
using CoSeg.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CoSeg.Viewing.Server;

/// <summary>
/// The viewer's HTTP surface: the embedded page (<c>/</c>, <c>/viewer.js</c>, <c>/viewer.css</c>) and the scene API
/// (<c>/api/scene</c>, <c>/api/frame</c>, <c>/api/pick</c>, <c>/api/segments/{id}/ply</c>). Everything else is 404;
/// request targets with dot segments, encoded dots or slashes, backslashes or an absolute form are refused with 400.
/// </summary>
internal static class ViewerEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Map(WebApplication app, ViewerState state, bool loopbackOnly)
    {
        app.Use(async (ctx, next) =>
        {
            var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.Value ?? "";
            if (RejectTarget(raw) is { } why) { await Text(ctx, 400, why); return; }
            if (loopbackOnly && !LoopbackHost(ctx.Request.Host.Host))
            {
                // DNS rebinding: a loopback-only viewer answers only requests addressed to a loopback name.
                await Text(ctx, 400, "This viewer only answers requests addressed to localhost / 127.0.0.1.");
                return;
            }
            if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
            {
                await Text(ctx, 405, "Only GET is supported.");
                return;
            }
            var h = ctx.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'";
            h["Referrer-Policy"] = "no-referrer";
            h.CacheControl = "no-store";
            await next(ctx);
        });

        foreach (var path in EmbeddedAssets.Paths)
            app.MapGet(path, async ctx =>
            {
                var (content, type) = EmbeddedAssets.Get(path);
                ctx.Response.ContentType = type;
                await ctx.Response.Body.WriteAsync(content);
            });

        app.MapGet("/api/scene", ctx => SceneInfo(ctx, state));
        app.MapGet("/api/frame", ctx => Frame(ctx, state));
        app.MapGet("/api/pick", ctx => Pick(ctx, state));
        app.MapGet("/api/segments/{id:int}/ply", ctx => SegmentPly(ctx, state));
        app.MapFallback(ctx => Text(ctx, 404, "Not found."));
    }

    /// <summary>Why a raw request target is refused, or null when it is an ordinary origin-form path.</summary>
    internal static string? RejectTarget(string raw)
    {
        if (!raw.StartsWith('/')) return "Only origin-form request targets (/path) are accepted.";
        var path = raw.Split('?', 2)[0];
        if (path.StartsWith("//", StringComparison.Ordinal)) return "Absolute paths are not served.";
        if (path.Contains("..", StringComparison.Ordinal) || path.Contains("%2e", StringComparison.OrdinalIgnoreCase)
            || path.Contains('\\') || path.Contains("%5c", StringComparison.OrdinalIgnoreCase)
            || path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains("%00", StringComparison.Ordinal)
            || path.Contains(':'))
            return "Path traversal is not allowed: the viewer serves only its own page and the loaded scene.";
        return null;
    }

    private static bool LoopbackHost(string host) =>
        host is "localhost" or "127.0.0.1" or "[::1]" or "::1" || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

    private static Task SceneInfo(HttpContext ctx, ViewerState state)
    {
        if (state.Error is { } err) return JsonOut(ctx, 500, new { loading = false, error = err });
        var scene = state.Scene;
        if (scene is null)
            return JsonOut(ctx, 200, new { loading = true, progress = state.Progress.Fraction, stage = state.Progress.Stage });
        var up = scene.Up; var c = scene.Center;
        return JsonOut(ctx, 200, new
        {
            loading = false,
            count = scene.Scene.Count,
            shDegree = scene.Scene.ShDegree,
            hasSegments = scene.HasSegments,
            hasConfidence = scene.Confidences is not null,
            backend = state.Options.Backend,
            maxImageSide = state.Options.MaxImageSide,
            center = new[] { c.X, c.Y, c.Z },
            radius = scene.Radius,
            up = new[] { up.X, up.Y, up.Z },
            segments = scene.Segments.Select(s => new { id = s.Id, count = s.Count, confidence = s.MeanConfidence, color = new int[] { s.Color.R, s.Color.G, s.Color.B } }),
            cameras = scene.Cameras.Select((cam, i) =>
            {
                var e = cam.Center; var r = cam.Rotation;
                return new
                {
                    name = cam.Name is null ? $"view {i}" : $"{i}: {cam.Name}",
                    width = cam.Width, height = cam.Height, fx = cam.Fx, fy = cam.Fy, cx = cam.Cx, cy = cam.Cy,
                    eye = new[] { e.X, e.Y, e.Z },
                    forward = new[] { r[6], r[7], r[8] },
                    up = new[] { -r[3], -r[4], -r[5] },
                };
            }),
        });
    }

    private static async Task Frame(HttpContext ctx, ViewerState state)
    {
        if (state.Scene is not { } scene || state.Renderer is not { } renderer) { await Text(ctx, 503, "The scene is still loading."); return; }
        ViewRequest request;
        try { request = ViewRequest.Parse(ctx.Request.Query, scene, state.Options.MaxImageSide); }
        catch (BadViewRequestException e) { await Text(ctx, 400, e.Message); return; }
        var frame = await state.Gate.TryRunAsync(() => renderer.Render(request), ctx.RequestAborted);
        if (frame is null) { await Busy(ctx); return; }
        ctx.Response.ContentType = frame.ContentType;
        ctx.Response.Headers["X-Render-Ms"] = frame.RenderMs.ToString("F1", CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-Encode-Ms"] = frame.EncodeMs.ToString("F1", CultureInfo.InvariantCulture);
        await ctx.Response.Body.WriteAsync(frame.Bytes, ctx.RequestAborted);
    }

    private static async Task Pick(HttpContext ctx, ViewerState state)
    {
        if (state.Scene is not { } scene) { await Text(ctx, 503, "The scene is still loading."); return; }
        ViewRequest request; (int X, int Y) px;
        try { request = ViewRequest.Parse(ctx.Request.Query, scene, state.Options.MaxImageSide); px = request.Pixel(ctx.Request.Query); }
        catch (BadViewRequestException e) { await Text(ctx, 400, e.Message); return; }
        var options = new RenderOptions { Backend = state.Options.Backend };
        var result = await state.Gate.TryRunAsync(() => new PickOutcome(scene.PickCore(request.Camera, px.X, px.Y, options, request.Hidden)), ctx.RequestAborted);
        if (result is null) { await Busy(ctx); return; }
        if (result.Pick is not { } p) { await JsonOut(ctx, 200, new { hit = false }); return; }
        await JsonOut(ctx, 200, new { hit = true, gaussian = p.Gaussian, weight = p.Weight, id = p.SegmentId, count = p.SegmentCount, confidence = p.Confidence });
    }

    private sealed record PickOutcome(SegmentPick? Pick);

    private static async Task SegmentPly(HttpContext ctx, ViewerState state)
    {
        if (state.Scene is not { } scene) { await Text(ctx, 503, "The scene is still loading."); return; }
        if (!scene.HasSegments) { await Text(ctx, 404, "The scene has no segments."); return; }
        if (!int.TryParse(ctx.Request.RouteValues["id"]?.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) || scene.SegmentCount(id) == 0)
        {
            await Text(ctx, 404, "No such segment.");
            return;
        }
        var bytes = await state.Gate.TryRunAsync(() => SegmentBytes(scene, id), ctx.RequestAborted);
        if (bytes is null) { await Busy(ctx); return; }
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.Headers.ContentDisposition = $"attachment; filename=\"segment_{id:D3}.ply\"";
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    /// <summary>The segment as PLY bytes. The temporary file's name is the server's own, never derived from the request.</summary>
    private static byte[] SegmentBytes(ViewerScene scene, int id)
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"coseg-viewer-{Guid.NewGuid():N}.ply");
        try
        {
            using (var part = scene.ExtractSegment(id)) GaussianPly.Save(part, tmp);
            return File.ReadAllBytes(tmp);
        }
        finally { File.Delete(tmp); }
    }

    private static Task Busy(HttpContext ctx)
    {
        ctx.Response.Headers.RetryAfter = "1";
        return Text(ctx, 503, "Too many renders in flight; try again.");
    }

    private static Task Text(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(message + "\n");
    }

    private static Task JsonOut(HttpContext ctx, int status, object value)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(value, Json));
    }
}
