using System.Buffers.Binary;
using System.Buffers.Text;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// The opaque <c>after</c>/<c>next</c> paging value: the last Id shown, as 8 big-endian bytes in base64url.
/// Opaque so clients do not build their own; keyset paging needs nothing more than the last key.
/// </summary>
internal static class ContinuationToken
{
    public static string Encode(long lastId)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, lastId);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? token, out long lastId)
    {
        lastId = 0;
        // IsValid first: the decoder throws on characters outside the alphabet.
        if (string.IsNullOrEmpty(token) || token.Length > 16
            || !Base64Url.IsValid(token, out var length) || length != sizeof(long))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[sizeof(long)];
        if (!Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != sizeof(long))
        {
            return false;
        }

        lastId = BinaryPrimitives.ReadInt64BigEndian(bytes);
        // Only a token this API made decodes to a positive id and encodes back to the same text.
        return lastId > 0 && string.Equals(Encode(lastId), token, StringComparison.Ordinal);
    }
}
