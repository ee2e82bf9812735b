namespace CoSeg.Tests.Fuzz;

/// <summary>
/// The documented outcomes of loading hostile input (docs/data-formats.md, "Hostile input"): clean success, or one of
/// these exception types. Anything else (NullReferenceException, IndexOutOfRangeException, OverflowException, a plain
/// OutOfMemoryException, a hang, a native crash) is a bug.
/// </summary>
internal static class FuzzOutcome
{
    /// <summary>Exception types a reader may throw for malformed input (subclasses included).</summary>
    public static readonly Type[] Expected =
    {
        typeof(InvalidDataException),        // malformed content: the message names the file and the problem
        typeof(NotSupportedException),       // well-formed but unsupported (big-endian PLY, list properties, distortion)
        typeof(FileNotFoundException),       // a referenced file is missing (or a directory stands where a file should)
        typeof(ArgumentException),           // an option does not fit the data (e.g. a downscale larger than the images)
        typeof(InsufficientMemoryException), // sizes that would need more memory than the machine has
    };

    /// <summary>True when <paramref name="e"/> is one of <see cref="Expected"/>.</summary>
    public static bool IsExpected(Exception e) => Expected.Any(t => t.IsInstanceOfType(e));
}
