using System.Globalization;
using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Tokens;

namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>The token streams that end a login: success as SQL Server sends it, or ERROR + DONE(ERROR).</summary>
internal static class LoginResponse
{
    public const uint Tds74 = 0x74000004;
    public const uint Tds80 = 0x08000000;

    public static ReadOnlyMemory<byte> Success(string database, int packetSize, bool strict)
    {
        var buffer = new TdsBuffer();
        TdsTokenWriter.EnvChangeText(buffer, TdsEnvChangeType.Database, database, "master");
        TdsTokenWriter.Info(buffer, 5701, 2, $"Changed database context to '{database}'.");
        TdsTokenWriter.EnvChangeBytes(buffer, TdsEnvChangeType.Collation, TdsTokenWriter.Collation, []);
        TdsTokenWriter.EnvChangeText(buffer, TdsEnvChangeType.Language, "us_english", string.Empty);
        TdsTokenWriter.Info(buffer, 5703, 1, "Changed language setting to us_english.");
        TdsTokenWriter.EnvChangeText(
            buffer, TdsEnvChangeType.PacketSize, packetSize.ToString(CultureInfo.InvariantCulture), "4096");
        TdsTokenWriter.LoginAck(buffer, strict ? Tds80 : Tds74);
        TdsTokenWriter.FeatureExtAckFedAuth(buffer);
        TdsTokenWriter.Done(buffer, TdsTokenType.Done, TdsDoneStatus.Final, 0, 0);
        return buffer.Written;
    }

    public static ReadOnlyMemory<byte> Failure(TdsError error)
    {
        var buffer = new TdsBuffer();
        TdsTokenWriter.Error(buffer, error.Number, error.State, error.Severity, error.Message);
        TdsTokenWriter.Done(buffer, TdsTokenType.Done, TdsDoneStatus.Error, 0, 0);
        return buffer.Written;
    }

    public static ReadOnlyMemory<byte> FedAuthInfo(string stsUrl, string servicePrincipalName)
    {
        var buffer = new TdsBuffer();
        TdsTokenWriter.FedAuthInfo(buffer, stsUrl, servicePrincipalName);
        return buffer.Written;
    }
}
