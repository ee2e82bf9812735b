namespace CoSeg.Tests.Infrastructure;

/// <summary>
/// Tests that measure the process's resident memory run alone: it is process-wide, and tests running in parallel
/// would blur it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResidentMemoryCollection
{
    public const string Name = "ResidentMemory";
}
