using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>What the client's PRELOGIN asked for.</summary>
internal sealed record PreLoginRequest(byte Encryption, bool AsksFedAuthRequired)
{
    public bool WantsTls => Encryption is PreLoginOption.EncryptOn or PreLoginOption.EncryptRequired;

    public static PreLoginRequest Parse(ReadOnlyMemory<byte> payload)
    {
        var reader = new TdsPayloadReader(payload);
        byte encryption = PreLoginOption.EncryptOff;
        var fedAuth = false;
        while (true)
        {
            var option = reader.ReadByte();
            if (option == PreLoginOption.Terminator)
            {
                break;
            }

            var offset = reader.ReadUInt16BigEndian();
            var length = reader.ReadUInt16BigEndian();
            if (offset + length > payload.Length)
            {
                throw new TdsProtocolException($"PRELOGIN option {option} points outside the message");
            }

            if (option == PreLoginOption.Encryption && length >= 1)
            {
                encryption = payload.Span[offset];
            }
            else if (option == PreLoginOption.FedAuthRequired)
            {
                fedAuth = true;
            }
        }

        return new PreLoginRequest(encryption, fedAuth);
    }
}
