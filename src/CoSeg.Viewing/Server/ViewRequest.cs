using System.Globalization;
using CoSeg.Geometry;
using CoSeg.Rendering;
using Microsoft.AspNetCore.Http;

namespace CoSeg.Viewing.Server;

/// <summary>Display modes of a frame.</summary>
internal enum DisplayMode { Rgb, Segments, Blend }

/// <summary>
/// A frame or pick request parsed from the query string and validated: intrinsics <c>w,h,fx,fy,cx,cy</c>, pose
/// <c>eye,target,up</c> (each "x,y,z"), display <c>mode</c>, <c>hidden</c> ids, <c>isolate</c>, <c>selected</c>.
/// Every number must be finite and within bounds; anything else is a <see cref="BadViewRequestException"/>.
/// </summary>
internal sealed class ViewRequest
{
    private const double MaxCoordinate = 1e9, MaxFocal = 1e7;

    public required Camera Camera { get; init; }
    public DisplayMode Mode { get; init; }
    public IReadOnlyCollection<int> Hidden { get; init; } = Array.Empty<int>();
    public int? Selected { get; init; }
    public bool Png { get; init; }

    public static ViewRequest Parse(IQueryCollection q, ViewerScene scene, int maxSide)
    {
        int w = Int(q, "w", 1, maxSide, "px"), h = Int(q, "h", 1, maxSide, "px");
        double fx = Number(q, "fx", null), fy = Number(q, "fy", null);
        if (!(fx > 0 && fx <= MaxFocal) || !(fy > 0 && fy <= MaxFocal))
            throw new BadViewRequestException($"fx and fy must be in (0, {MaxFocal:G}] pixels, got {fx}, {fy}.");
        double cx = Number(q, "cx", 0.5 * w), cy = Number(q, "cy", 0.5 * h);
        if (Math.Abs(cx) > 100.0 * maxSide || Math.Abs(cy) > 100.0 * maxSide)
            throw new BadViewRequestException($"cx and cy must be within ±{100 * maxSide} pixels, got {cx}, {cy}.");
        var eye = Vector(q, "eye"); var target = Vector(q, "target"); var up = Vector(q, "up");
        Camera pose;
        try { pose = LookAtCamera.Create(eye, target, up, w, h); }
        catch (ArgumentException e) { throw new BadViewRequestException($"Invalid camera pose: {e.Message}"); }
        var camera = new Camera(w, h, fx, fy, cx, cy, pose.Rotation.ToArray(), pose.Translation.ToArray());

        var mode = (q["mode"].ToString() is { Length: > 0 } m ? m : "rgb") switch
        {
            "rgb" => DisplayMode.Rgb,
            "segments" => DisplayMode.Segments,
            "blend" => DisplayMode.Blend,
            var other => throw new BadViewRequestException($"mode must be rgb, segments or blend, got '{Truncate(other)}'."),
        };
        if (mode != DisplayMode.Rgb && !scene.HasSegments)
            throw new BadViewRequestException($"mode '{q["mode"]}' needs a segmented scene.");
        var hidden = new HashSet<int>(IdList(q, "hidden"));
        if (OptionalInt(q, "isolate") is { } isolate)
            foreach (var s in scene.Segments) if (s.Id != isolate) hidden.Add(s.Id);
        var format = q["format"].ToString();
        if (format is not ("" or "jpeg" or "png")) throw new BadViewRequestException($"format must be jpeg or png, got '{Truncate(format)}'.");
        return new ViewRequest { Camera = camera, Mode = mode, Hidden = hidden, Selected = OptionalInt(q, "selected"), Png = format == "png" };
    }

    /// <summary>The pixel of a pick request (<c>x</c>, <c>y</c>), inside the camera's image.</summary>
    public (int X, int Y) Pixel(IQueryCollection q) => (Int(q, "x", 0, Camera.Width - 1, "(pixel column)"), Int(q, "y", 0, Camera.Height - 1, "(pixel row)"));

    private static string Single(IQueryCollection q, string name)
    {
        var v = q[name];
        if (v.Count == 0 || string.IsNullOrEmpty(v[0])) throw new BadViewRequestException($"Missing query parameter '{name}'.");
        if (v.Count > 1) throw new BadViewRequestException($"Query parameter '{name}' is given more than once.");
        return v[0]!;
    }

    private static int Int(IQueryCollection q, string name, int min, int max, string unit)
    {
        var s = Single(q, name);
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            throw new BadViewRequestException($"'{name}' must be an integer, got '{Truncate(s)}'.");
        if (v < min || v > max) throw new BadViewRequestException($"'{name}' = {v} is out of range: it must be {min}..{max} {unit}.");
        return (int)v;
    }

    private static int? OptionalInt(IQueryCollection q, string name)
    {
        if (q[name].Count == 0 || string.IsNullOrEmpty(q[name][0])) return null;
        var s = Single(q, name);
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new BadViewRequestException($"'{name}' must be an integer, got '{Truncate(s)}'.");
    }

    private static double Number(IQueryCollection q, string name, double? fallback)
    {
        if (fallback is { } f && (q[name].Count == 0 || string.IsNullOrEmpty(q[name][0]))) return f;
        var s = Single(q, name);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new BadViewRequestException($"'{name}' must be a finite number, got '{Truncate(s)}'.");
        return v;
    }

    private static (double X, double Y, double Z) Vector(IQueryCollection q, string name)
    {
        var s = Single(q, name);
        var parts = s.Split(',');
        if (parts.Length != 3) throw new BadViewRequestException($"'{name}' must be three comma-separated numbers x,y,z, got '{Truncate(s)}'.");
        var v = new double[3];
        for (int i = 0; i < 3; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]) || Math.Abs(v[i]) > MaxCoordinate)
                throw new BadViewRequestException($"'{name}' must hold finite numbers within ±{MaxCoordinate:G}, got '{Truncate(s)}'.");
        return (v[0], v[1], v[2]);
    }

    private static IEnumerable<int> IdList(IQueryCollection q, string name)
    {
        if (q[name].Count == 0 || string.IsNullOrEmpty(q[name][0])) yield break;
        var parts = Single(q, name).Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 100_000) throw new BadViewRequestException($"'{name}' lists too many ids.");
        foreach (var p in parts)
            yield return int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                : throw new BadViewRequestException($"'{name}' must be comma-separated integers, got '{Truncate(p)}'.");
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
