namespace CoSeg.Tests.Fuzz;

/// <summary>
/// One entry of the fuzz table: a reader, how to write a valid input for it, and how to load it through the library API.
/// </summary>
/// <param name="Name">Reader name as reported (e.g. "ply-binary").</param>
/// <param name="WriteValid">Writes a valid, randomised input into the (empty) folder and returns the path of the one file
/// the mutations corrupt (other files it wrote, e.g. a dataset's images, stay valid).</param>
/// <param name="Load">Loads the input through the public or internal library API: (folder, corrupted file). It must
/// read everything the reader would read for real use (e.g. a dataset's first image too).</param>
/// <param name="Mutations">Reader-specific malformations (lying counts and sizes, wrong types, …); the generic ones in
/// <see cref="FuzzMutations.Generic"/> are always added.</param>
internal sealed record FuzzReader(string Name, Func<Random, string, string> WriteValid, Action<string, string> Load,
                                  IReadOnlyList<FuzzMutation> Mutations)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
