using System.Text;
using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Tokens;

/// <summary>Writes the non-data server tokens (MS-TDS 2.2.7) into a buffer.</summary>
internal static class TdsTokenWriter
{
    public const string ServerName = "localhost";

    /// <summary>Latin1_General_CI_AS: LCID 0x0409, flags 0xD0, sort id 0x34, as SQL Server reports it.</summary>
    public static ReadOnlySpan<byte> Collation => [0x09, 0x04, 0xD0, 0x00, 0x34];

    public static void Error(TdsBuffer buffer, int number, byte state, byte severity, string message) =>
        Message(buffer, TdsTokenType.Error, number, state, severity, message);

    public static void Info(TdsBuffer buffer, int number, byte state, string message) =>
        Message(buffer, TdsTokenType.Info, number, state, 0, message);

    public static void Done(TdsBuffer buffer, byte token, ushort status, ushort command, ulong rows)
    {
        buffer.WriteByte(token);
        buffer.WriteUInt16(status);
        buffer.WriteUInt16(command);
        buffer.WriteUInt64(rows);
    }

    public static void ReturnStatus(TdsBuffer buffer, int value)
    {
        buffer.WriteByte(TdsTokenType.ReturnStatus);
        buffer.WriteInt32(value);
    }

    public static void EnvChangeText(TdsBuffer buffer, byte type, string newValue, string oldValue)
    {
        var length = WriteHeader(buffer, TdsTokenType.EnvChange);
        buffer.WriteByte(type);
        buffer.WriteBVarChar(newValue);
        buffer.WriteBVarChar(oldValue);
        PatchLength(buffer, length);
    }

    public static void EnvChangeBytes(TdsBuffer buffer, byte type, ReadOnlySpan<byte> newValue, ReadOnlySpan<byte> oldValue)
    {
        var length = WriteHeader(buffer, TdsTokenType.EnvChange);
        buffer.WriteByte(type);
        buffer.WriteBVarByte(newValue);
        buffer.WriteBVarByte(oldValue);
        PatchLength(buffer, length);
    }

    /// <summary>LOGINACK; <paramref name="tdsVersion"/> is written big-endian as the spec lays it out.</summary>
    public static void LoginAck(TdsBuffer buffer, uint tdsVersion)
    {
        var length = WriteHeader(buffer, TdsTokenType.LoginAck);
        buffer.WriteByte(1); // SQL interface: T-SQL
        buffer.WriteUInt32BigEndian(tdsVersion);
        buffer.WriteBVarChar("Microsoft SQL Server");
        buffer.WriteBytes([16, 0, 0x03, 0xE8]); // 16.0.1000
        PatchLength(buffer, length);
    }

    /// <summary>FEATUREEXTACK acknowledging only FEDAUTH, with no data (as for an Entra token).</summary>
    public static void FeatureExtAckFedAuth(TdsBuffer buffer)
    {
        buffer.WriteByte(TdsTokenType.FeatureExtAck);
        buffer.WriteByte(0x02);
        buffer.WriteUInt32(0);
        buffer.WriteByte(0xFF);
    }

    /// <summary>FEDAUTHINFO with STSURL (id 1) and SPN (id 2); offsets count from the Count field.</summary>
    public static void FedAuthInfo(TdsBuffer buffer, string stsUrl, string servicePrincipalName)
    {
        var sts = Encoding.Unicode.GetBytes(stsUrl);
        var spn = Encoding.Unicode.GetBytes(servicePrincipalName);
        const int count = 2;
        const int firstData = 4 + (9 * count);
        buffer.WriteByte(TdsTokenType.FedAuthInfo);
        buffer.WriteUInt32((uint)(firstData + sts.Length + spn.Length));
        buffer.WriteUInt32(count);
        buffer.WriteByte(0x01);
        buffer.WriteUInt32((uint)sts.Length);
        buffer.WriteUInt32(firstData);
        buffer.WriteByte(0x02);
        buffer.WriteUInt32((uint)spn.Length);
        buffer.WriteUInt32((uint)(firstData + sts.Length));
        buffer.WriteBytes(sts);
        buffer.WriteBytes(spn);
    }

    private static void Message(TdsBuffer buffer, byte token, int number, byte state, byte severity, string message)
    {
        var length = WriteHeader(buffer, token);
        buffer.WriteInt32(number);
        buffer.WriteByte(state);
        buffer.WriteByte(severity);
        buffer.WriteUsVarChar(message);
        buffer.WriteBVarChar(ServerName);
        buffer.WriteBVarChar(string.Empty); // procedure
        buffer.WriteInt32(1); // line
        PatchLength(buffer, length);
    }

    private static int WriteHeader(TdsBuffer buffer, byte token)
    {
        buffer.WriteByte(token);
        return buffer.ReserveUInt16();
    }

    private static void PatchLength(TdsBuffer buffer, int lengthPosition) =>
        buffer.PatchUInt16(lengthPosition, (ushort)(buffer.Length - lengthPosition - 2));
}
