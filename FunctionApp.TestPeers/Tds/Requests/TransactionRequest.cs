using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>A transaction manager request (packet type 0x0E, MS-TDS 2.2.6.9).</summary>
internal sealed record TransactionRequest(ushort Type, string Name, bool BeginAfterwards)
{
    public const ushort GetDtcAddress = 0;
    public const ushort Propagate = 1;
    public const ushort Begin = 5;
    public const ushort Promote = 6;
    public const ushort Commit = 7;
    public const ushort Rollback = 8;
    public const ushort Save = 9;

    public static TransactionRequest Parse(TdsPayloadReader reader)
    {
        var type = reader.ReadUInt16();
        switch (type)
        {
            case Begin:
                reader.ReadByte(); // isolation level
                return new TransactionRequest(type, ReadName(reader), false);
            case Commit or Rollback:
                var name = ReadName(reader);
                var flags = reader.Remaining > 0 ? reader.ReadByte() : (byte)0;
                return new TransactionRequest(type, name, (flags & 0x01) != 0);
            case Save:
                return new TransactionRequest(type, ReadName(reader), false);
            default:
                return new TransactionRequest(type, string.Empty, false);
        }
    }

    /// <summary>TM names carry a one-byte length in bytes, then UTF-16LE.</summary>
    private static string ReadName(TdsPayloadReader reader)
    {
        var bytes = reader.Remaining > 0 ? reader.ReadByte() : 0;
        return reader.ReadUnicode(bytes / 2);
    }
}
