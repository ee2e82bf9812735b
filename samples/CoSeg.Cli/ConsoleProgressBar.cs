using System.Diagnostics;

namespace CoSeg.Cli;

/// <summary>
/// A one-line progress bar on stderr, redrawn in place with '\r' at most 10 times a second; when stderr is redirected it
/// prints a plain line every <c>plainEvery</c> (default 5 s) instead, so logs stay readable.
/// </summary>
internal sealed class ConsoleProgressBar : IDisposable
{
    private readonly object _gate = new();
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private readonly bool _interactive;
    private readonly TimeSpan _plainEvery;
    private readonly TextWriter _out;
    private int _lastLength;
    private bool _drawnOnce;

    public ConsoleProgressBar(TextWriter? output = null, bool? interactive = null, TimeSpan? plainEvery = null)
    {
        _out = output ?? Console.Error;
        _interactive = interactive ?? !Console.IsErrorRedirected;
        _plainEvery = plainEvery ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>Shows <paramref name="fraction"/> (0–1) done with a status text; <paramref name="force"/> draws regardless of throttling.</summary>
    public void Update(double fraction, string status, bool force = false)
    {
        lock (_gate)
        {
            var minGap = _interactive ? TimeSpan.FromMilliseconds(100) : _plainEvery;
            if (!force && _drawnOnce && _sinceDraw.Elapsed < minGap) return;
            _sinceDraw.Restart();
            _drawnOnce = true;
            fraction = Math.Clamp(double.IsFinite(fraction) ? fraction : 0, 0, 1);
            if (_interactive)
            {
                const int width = 30;
                int filled = (int)Math.Round(fraction * width);
                string line = $"[{new string('#', filled)}{new string('-', width - filled)}] {fraction * 100,5:F1}% {status}";
                int pad = Math.Max(0, _lastLength - line.Length);
                _out.Write("\r" + line + new string(' ', pad));
                _lastLength = line.Length;
            }
            else
            {
                _out.WriteLine($"{fraction * 100:F1}% {status}");
            }
            _out.Flush();
        }
    }

    /// <summary>Ends the bar's line (interactive mode).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_interactive && _drawnOnce) _out.WriteLine();
            _drawnOnce = false;
        }
    }
}
