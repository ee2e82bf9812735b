using ILGPU.Algorithms.RadixSortOperations;

namespace CoSeg.Rendering.Ilgpu;

// Radix-sort operations over (tile ≪ 32 | depth bits) keys that sort only the bits in use: 32 depth bits plus
// enough tile-id bits (a multiple of 4). The sort costs one pass per 2 bits, so this halves the work for
// typical images compared with all 64 bits. One struct per width because NumBits must be a per-type constant.

/// <summary>Keys with tile ids below 2^8.</summary>
internal readonly struct TileKeySort40 : IRadixSortOperation<ulong>
{
    public int NumBits => 40;
    public ulong DefaultValue => ulong.MaxValue;
    public int ExtractRadixBits(ulong value, int shift, int bitMask) => (int)(value >> shift) & bitMask;
}

/// <summary>Keys with tile ids below 2^12.</summary>
internal readonly struct TileKeySort44 : IRadixSortOperation<ulong>
{
    public int NumBits => 44;
    public ulong DefaultValue => ulong.MaxValue;
    public int ExtractRadixBits(ulong value, int shift, int bitMask) => (int)(value >> shift) & bitMask;
}

/// <summary>Keys with tile ids below 2^16.</summary>
internal readonly struct TileKeySort48 : IRadixSortOperation<ulong>
{
    public int NumBits => 48;
    public ulong DefaultValue => ulong.MaxValue;
    public int ExtractRadixBits(ulong value, int shift, int bitMask) => (int)(value >> shift) & bitMask;
}

/// <summary>Any key (tile ids up to 2^32).</summary>
internal readonly struct TileKeySort64 : IRadixSortOperation<ulong>
{
    public int NumBits => 64;
    public ulong DefaultValue => ulong.MaxValue;
    public int ExtractRadixBits(ulong value, int shift, int bitMask) => (int)(value >> shift) & bitMask;
}
