using CoSeg.Segmentation;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

public class InstanceAssociationTests
{
    [Fact]
    public void RecoversPermutedIdsAndIgnoresZero()
    {
        // predicted channels: 1 1 2 2 3 3 ; raw ids use an unrelated numbering 7 7 4 4 9 0
        using var pred = tensor(new long[] { 1, 1, 2, 2, 3, 3 });
        using var raw = tensor(new long[] { 7, 7, 4, 4, 9, 0 });
        using var mapped = InstanceAssociation.Associate(raw, pred, 5);
        Assert.Equal(new long[] { 1, 1, 2, 2, 3, 0 }, mapped.data<long>().ToArray());
    }

    [Fact]
    public void ExtraMasksBeyondChannelsAreIgnored()
    {
        using var pred = tensor(new long[] { 1, 1, 1, 1 });
        using var raw = tensor(new long[] { 5, 5, 5, 6 });
        using var mapped = InstanceAssociation.Associate(raw, pred, 2);   // only channel 1 exists
        Assert.Equal(new long[] { 1, 1, 1, 0 }, mapped.data<long>().ToArray());
    }
}
