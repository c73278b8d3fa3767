using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Wgan.Runner;

/// <summary>
/// The layout of a unit's saved training state on disk (<c>unit-NNNNNN.state</c>): a header that names the unit and
/// holds the SHA-256 of the state, then the state's bytes as the training loop produced them. A state is handed back
/// only when every check passes, so no damaged byte reaches the code that restores it (libtorch among it).
/// <code>
/// magic     14 bytes  "wgan-state-v1\n"
/// key        4 bytes  length k of the unit's key in UTF-8 (little-endian), then k bytes: the key
/// length     8 bytes  length n of the state (little-endian)
/// checksum  32 bytes  SHA-256 of everything before it, then of the n bytes of the state
/// state      n bytes
/// </code>
/// </summary>
public static class StateFile
{
    /// <summary>The first bytes of every state file of this layout.</summary>
    public static ReadOnlySpan<byte> Magic => "wgan-state-v1\n"u8;

    /// <summary>The longest unit key a header may hold (keys are short: "seed-3/theta-0.5").</summary>
    const int MaxKeyBytes = 4096;

    const int ChecksumBytes = 32;

    /// <summary>The file's bytes for the state <paramref name="state"/> of the unit <paramref name="key"/>.</summary>
    public static byte[] Wrap(string key, byte[] state)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (keyBytes.Length > MaxKeyBytes)
            throw new ArgumentException($"unit key longer than {MaxKeyBytes} bytes", nameof(key));
        var headerLength = Magic.Length + 4 + keyBytes.Length + 8;
        var bytes = new byte[headerLength + ChecksumBytes + state.Length];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Magic.Length), keyBytes.Length);
        keyBytes.CopyTo(bytes.AsSpan(Magic.Length + 4));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(Magic.Length + 4 + keyBytes.Length), state.Length);
        state.CopyTo(bytes.AsSpan(headerLength + ChecksumBytes));
        Checksum(bytes.AsSpan(0, headerLength), state).CopyTo(bytes.AsSpan(headerLength));
        return bytes;
    }

    /// <summary>
    /// The state held by <paramref name="bytes"/>, checked to be complete, unchanged since it was written and the
    /// unit <paramref name="key"/>'s; otherwise null, with <paramref name="problem"/> saying what is wrong.
    /// </summary>
    public static byte[]? Unwrap(byte[] bytes, string key, out string problem)
    {
        problem = "";
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            problem = "does not start with the header of a wgan training state (it is damaged, or was written by an "
                + "earlier version of wgan, whose states carry no checksum and are not used)";
            return null;
        }
        var at = Magic.Length;
        if (bytes.Length < at + 4 + 8 + ChecksumBytes)
        {
            problem = $"is truncated: {bytes.Length} bytes, shorter than its header";
            return null;
        }
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        if (keyLength < 0 || keyLength > MaxKeyBytes)
        {
            problem = $"has a damaged header (a unit key of {keyLength} bytes)";
            return null;
        }
        var headerLength = at + 4 + keyLength + 8;
        if (bytes.Length < headerLength + ChecksumBytes)
        {
            problem = $"is truncated: {bytes.Length} bytes, shorter than its header";
            return null;
        }
        var stateLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(headerLength - 8));
        var actual = (long)bytes.Length - headerLength - ChecksumBytes;
        if (stateLength != actual)
        {
            var announced = $"its header announces {stateLength} bytes of state, the file holds {actual}";
            problem = stateLength > actual
                ? $"is truncated: {announced}"
                : $"has a damaged header or extra bytes: {announced}";
            return null;
        }
        var state = bytes.AsSpan(headerLength + ChecksumBytes).ToArray();
        var checksum = Checksum(bytes.AsSpan(0, headerLength), state);
        if (!checksum.AsSpan().SequenceEqual(bytes.AsSpan(headerLength, ChecksumBytes)))
        {
            problem = "fails its SHA-256 checksum: its bytes changed after it was written";
            return null;
        }
        var stored = Encoding.UTF8.GetString(bytes, at + 4, keyLength);
        if (stored != key)
        {
            problem = $"holds the training state of unit {stored}, not of unit {key}";
            return null;
        }
        return state;
    }

    static byte[] Checksum(ReadOnlySpan<byte> header, byte[] state)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(header);
        sha.AppendData(state);
        return sha.GetHashAndReset();
    }
}
