using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>ALL_HEADERS (MS-TDS 2.2.5.3): only the transaction descriptor header (type 2) matters here.</summary>
internal static class AllHeaders
{
    private const ushort TransactionDescriptorHeader = 2;

    /// <summary>Reads the headers and returns the transaction descriptor, or null for none (zero).</summary>
    public static ulong? Read(TdsPayloadReader reader)
    {
        var start = reader.Position;
        var total = reader.ReadUInt32();
        ulong? descriptor = null;
        while (reader.Position < start + total)
        {
            var headerStart = reader.Position;
            var length = reader.ReadUInt32();
            var type = reader.ReadUInt16();
            if (type == TransactionDescriptorHeader)
            {
                var value = reader.ReadUInt64();
                descriptor = value == 0 ? null : value;
            }

            reader.Position = headerStart + (int)length;
        }

        reader.Position = start + (int)total;
        return descriptor;
    }
}
