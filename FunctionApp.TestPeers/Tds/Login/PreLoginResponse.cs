using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>Builds the server's PRELOGIN reply: version, encryption answer, and FEDAUTHREQUIRED=01.</summary>
internal static class PreLoginResponse
{
    // SQL Server 16.0.1000 (2022), as major, minor, build (BE), sub-build (BE).
    private static readonly byte[] s_version = [16, 0, 0x03, 0xE8, 0, 0];

    public static ReadOnlyMemory<byte> Build(byte encryption, bool includeFedAuthRequired)
    {
        var options = new List<(byte Token, byte[] Data)>
        {
            (PreLoginOption.Version, s_version),
            (PreLoginOption.Encryption, [encryption]),
            (PreLoginOption.Instance, [0]),
            (PreLoginOption.ThreadId, []),
            (PreLoginOption.Mars, [0]),
        };
        if (includeFedAuthRequired)
        {
            options.Add((PreLoginOption.FedAuthRequired, [1]));
        }

        var buffer = new TdsBuffer();
        var dataOffset = (options.Count * 5) + 1;
        foreach (var (token, data) in options)
        {
            buffer.WriteByte(token);
            buffer.WriteUInt16BigEndian((ushort)dataOffset);
            buffer.WriteUInt16BigEndian((ushort)data.Length);
            dataOffset += data.Length;
        }

        buffer.WriteByte(PreLoginOption.Terminator);
        foreach (var (_, data) in options)
        {
            buffer.WriteBytes(data);
        }

        return buffer.Written;
    }
}
