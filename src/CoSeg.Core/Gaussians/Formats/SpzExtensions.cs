using System.Buffers.Binary;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// SPZ extension records (flag 0x2): back-to-back [u32 type][u32 byte length][payload]. Version 4 keeps them in the
/// plain header zone between the 32-byte header and the table of contents; versions 2–3 after the SH inside the gzip
/// stream. Only Adobe's coordinate system (0xADBE0003, one u32) changes how the data reads; other types (e.g. the safe
/// orbit camera, 0xADBE0002) are skipped by their length, as the format intends.
/// </summary>
internal static class SpzExtensions
{
    public const uint CoordinateSystemType = 0xADBE0003;

    /// <summary>Parses the records; returns the stored axes (right-up-back unless a coordinate-system record says otherwise).</summary>
    public static SpzAxes Parse(ReadOnlySpan<byte> records, string name)
    {
        var axes = SpzAxes.RightUpBack;
        int at = 0;
        while (at < records.Length)
        {
            if (records.Length - at < 8) throw new InvalidDataException($"{name}: SPZ extension record at byte {at} of the extension block is truncated ({records.Length - at} bytes, a record header needs 8).");
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(records[at..]);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(records[(at + 4)..]);
            at += 8;
            if (length > records.Length - at)
                throw new InvalidDataException($"{name}: SPZ extension 0x{type:X8} declares {length} payload bytes but only {records.Length - at} remain in the extension block.");
            if (type == CoordinateSystemType)
            {
                if (length < 4) throw new InvalidDataException($"{name}: SPZ coordinate-system extension has {length} payload bytes (needs 4).");
                axes = SpzAxes.FromCoordinateSystem(BinaryPrimitives.ReadUInt32LittleEndian(records[at..]), name);
            }
            at += (int)length;
        }
        return axes;
    }
}
