using System.Buffers.Binary;
using System.Text;
using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>The parts of LOGIN7 (MS-TDS 2.2.6.4) this server acts on.</summary>
internal sealed record Login7Request(uint TdsVersion, int PacketSize, string Database, bool HasUserName, FedAuthRequest? FedAuth)
{
    private const byte FedAuthFeature = 0x02;
    private const byte FeatureTerminator = 0xFF;
    private const byte ExtensionFlag = 0x10; // fExtension in OptionFlags3

    public static Login7Request Parse(ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (span.Length < 94)
        {
            throw new TdsProtocolException($"LOGIN7 of {span.Length} bytes is shorter than its fixed part");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var packetSize = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        var hasExtension = (span[27] & ExtensionFlag) != 0;
        var userNameLength = BinaryPrimitives.ReadUInt16LittleEndian(span[42..]);
        var database = ReadString(span, 68);
        FedAuthRequest? fedAuth = null;
        if (hasExtension)
        {
            var extensionOffset = BinaryPrimitives.ReadUInt16LittleEndian(span[56..]);
            var featuresOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[extensionOffset..]);
            fedAuth = ReadFedAuth(payload, featuresOffset);
        }

        return new Login7Request(version, packetSize, database, userNameLength > 0, fedAuth);
    }

    private static string ReadString(ReadOnlySpan<byte> span, int position)
    {
        var offset = BinaryPrimitives.ReadUInt16LittleEndian(span[position..]);
        var characters = BinaryPrimitives.ReadUInt16LittleEndian(span[(position + 2)..]);
        return Encoding.Unicode.GetString(span.Slice(offset, characters * 2));
    }

    private static FedAuthRequest? ReadFedAuth(ReadOnlyMemory<byte> payload, int featuresOffset)
    {
        var reader = new TdsPayloadReader(payload) { Position = featuresOffset };
        while (reader.Remaining > 0)
        {
            var feature = reader.ReadByte();
            if (feature == FeatureTerminator)
            {
                break;
            }

            var length = (int)reader.ReadUInt32();
            var end = reader.Position + length;
            if (feature == FedAuthFeature)
            {
                return ReadFedAuthData(reader);
            }

            reader.Position = end;
        }

        return null;
    }

    private static FedAuthRequest ReadFedAuthData(TdsPayloadReader reader)
    {
        var options = reader.ReadByte();
        var library = (byte)(options >> 1);
        var echo = (options & 0x01) != 0;
        return library switch
        {
            FedAuthRequest.SecurityTokenLibrary => new FedAuthRequest(library, echo, ReadToken(reader), 0),
            FedAuthRequest.MsalLibrary => new FedAuthRequest(library, echo, null, reader.ReadByte()),
            _ => new FedAuthRequest(library, echo, null, 0),
        };
    }

    private static string ReadToken(TdsPayloadReader reader)
    {
        var bytes = reader.ReadBytes((int)reader.ReadUInt32());
        return Encoding.Unicode.GetString(bytes);
    }

    /// <summary>The FEDAUTH_TOKEN message (packet type 0x08): DataLen, TokenLen, UTF-16LE token.</summary>
    public static string ParseFedAuthToken(ReadOnlyMemory<byte> payload)
    {
        var reader = new TdsPayloadReader(payload);
        reader.ReadUInt32(); // data length, which includes the token length field
        return ReadToken(reader);
    }
}
