using System.Buffers.Binary;

namespace Wgan.Runner;

/// <summary>
/// The integrity of a PNG file as the format defines it (ISO/IEC 15948): the 8-byte signature, then chunks of a
/// 4-byte big-endian length, a 4-byte type, the data and a CRC-32 of type and data, from IHDR to IEND with nothing
/// after. Any changed byte of a chunk fails its CRC; a truncated or emptied file fails the structure.
/// </summary>
public static class Png
{
    static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>
    /// The CRC-32 of the PNG specification (the polynomial of ISO 3309) over <paramref name="bytes"/>.
    /// </summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>What is wrong with <paramref name="bytes"/> as a PNG file, or null when nothing is.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return "is empty";
        if (bytes.Length < Signature.Length || !bytes[..Signature.Length].SequenceEqual(Signature))
            return "is not a PNG file (no PNG signature)";
        var at = Signature.Length;
        var first = true;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 12) return $"is truncated (a chunk header at byte {at} is cut off)";
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]);
            if (length > int.MaxValue || length > bytes.Length - at - 12)
                return $"is truncated (a chunk at byte {at} claims {length} bytes)";
            var typeAndData = bytes.Slice(at + 4, 4 + (int)length);
            var type = System.Text.Encoding.ASCII.GetString(typeAndData[..4]);
            if (first && type != "IHDR") return "does not start with its IHDR chunk";
            first = false;
            var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes[(at + 8 + (int)length)..]);
            if (Crc32(typeAndData) != crc)
                return $"is damaged (the CRC of its {Printable(type)} chunk at byte {at} does not match)";
            at += 12 + (int)length;
            if (type == "IEND")
                return at == bytes.Length ? null : $"has {bytes.Length - at} byte(s) after its IEND chunk";
        }
        return "is truncated (no IEND chunk)";
    }

    static string Printable(string type) =>
        type.All(c => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z') ? type : "unnamed";
}
