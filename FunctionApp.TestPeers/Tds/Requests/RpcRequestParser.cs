using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Types;

namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>
/// Parses an RPC request (MS-TDS 2.2.6.6). For <c>sp_executesql</c> the statement is the first parameter and the
/// declarations the second; the rest are the statement's parameters. Other procedures keep all their parameters.
/// </summary>
internal static class RpcRequestParser
{
    private const ushort ProcIdMarker = 0xFFFF;
    private const ushort ExecuteSql = 10;
    private const byte BatchSeparator = 0xFF;
    private const byte LegacyBatchSeparator = 0xFE;

    private static readonly Dictionary<ushort, string> s_procedureNames = new()
    {
        [1] = "sp_cursor", [2] = "sp_cursoropen", [3] = "sp_cursorprepare", [4] = "sp_cursorexecute",
        [5] = "sp_cursorprepexec", [6] = "sp_cursorunprepare", [7] = "sp_cursorfetch", [8] = "sp_cursoroption",
        [9] = "sp_cursorclose", [10] = "sp_executesql", [11] = "sp_prepare", [12] = "sp_execute",
        [13] = "sp_prepexec", [14] = "sp_prepexecrpc", [15] = "sp_unprepare",
    };

    public static (ulong? TransactionDescriptor, IReadOnlyList<RpcCall> Calls) Parse(ReadOnlyMemory<byte> payload)
    {
        var reader = new TdsPayloadReader(payload);
        var descriptor = AllHeaders.Read(reader);
        var calls = new List<RpcCall>();
        while (reader.Remaining > 0)
        {
            calls.Add(ReadCall(reader));
            if (reader.Remaining > 0 && reader.Span[reader.Position] is BatchSeparator or LegacyBatchSeparator)
            {
                reader.Skip(1);
            }
        }

        return (descriptor, calls);
    }

    private static RpcCall ReadCall(TdsPayloadReader reader)
    {
        var nameLength = reader.ReadUInt16();
        string procedure;
        var isExecuteSql = false;
        if (nameLength == ProcIdMarker)
        {
            var procId = reader.ReadUInt16();
            isExecuteSql = procId == ExecuteSql;
            procedure = s_procedureNames.GetValueOrDefault(procId, $"proc {procId}");
        }
        else
        {
            procedure = reader.ReadUnicode(nameLength);
            isExecuteSql = string.Equals(procedure, "sp_executesql", StringComparison.OrdinalIgnoreCase);
        }

        reader.ReadUInt16(); // option flags
        var parameters = new List<SqlParameterValue>();
        while (reader.Remaining > 0 && reader.Span[reader.Position] is not (BatchSeparator or LegacyBatchSeparator))
        {
            var name = reader.ReadBVarChar();
            reader.ReadByte(); // status: output / default value
            var typeInfo = TdsParameterReader.ReadTypeInfo(reader);
            var value = TdsParameterReader.ReadValue(reader, typeInfo);
            parameters.Add(new SqlParameterValue(name, typeInfo.SqlName, value));
        }

        if (isExecuteSql && parameters.Count > 0)
        {
            // sp_executesql @stmt, @params, @p1, ...: the first two are unnamed.
            return new RpcCall(parameters[0].Value as string ?? string.Empty, [.. parameters.Skip(2)]);
        }

        return new RpcCall(procedure, parameters);
    }
}
