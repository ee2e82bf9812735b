using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Per-view label maps kept between passes are stored in the smallest integer type that holds their ids (uint8,
/// int16 or int32) instead of int64: 100 views × 400² labels are 16 MB as bytes, 128 MB as int64.
/// </summary>
internal static class LabelPacking
{
    /// <summary>A compact copy of non-negative ids (any integer dtype).</summary>
    public static Tensor Pack(Tensor ids)
    {
        using var scope = NewDisposeScope();
        long max = ids.numel() == 0 ? 0 : ids.max().item<long>();
        var dtype = max < 256 ? ScalarType.Byte : max < short.MaxValue ? ScalarType.Int16 : ScalarType.Int32;
        return ids.to(dtype).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The ids as int64 (what losses and one-hot encodings take).</summary>
    public static Tensor Unpack(Tensor packed) => packed.to(ScalarType.Int64);
}
