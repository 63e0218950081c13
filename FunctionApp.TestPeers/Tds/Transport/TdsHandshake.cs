using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Login;

namespace AzureSqlFunctions.TestPeers.Tds.Transport;

/// <summary>
/// PRELOGIN and encryption: TDS 8 (TLS first, ALPN tds/8.0) when the first byte is a TLS record,
/// otherwise cleartext PRELOGIN followed by TLS 1.2 inside PRELOGIN packets when the client asks for it.
/// </summary>
internal static class TdsHandshake
{
    private const byte TlsHandshakeRecord = 0x16;
    private static readonly SslApplicationProtocol s_tds8 = new("tds/8.0");

    /// <summary>Runs PRELOGIN and any TLS; returns whether the session is TDS 8 (strict).</summary>
    public static async Task<bool> RunAsync(Socket socket, TdsPacketStream packets, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var strict = await StartsWithTlsAsync(socket, cancellationToken);
        if (strict)
        {
            var tls = new SslStream(packets.Stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ApplicationProtocols = [s_tds8],
                    ClientCertificateRequired = false,
                },
                cancellationToken);
            packets.Stream = tls;
        }

        var message = await packets.ReadMessageAsync(cancellationToken)
            ?? throw new TdsProtocolException("connection closed before PRELOGIN");
        if (message.Type != TdsPacketType.PreLogin)
        {
            throw new TdsProtocolException($"expected PRELOGIN, got packet type {message.Type:X2}");
        }

        var request = PreLoginRequest.Parse(message.Payload);
        var tlsInsideTds = !strict && request.WantsTls;
        var answer = tlsInsideTds ? PreLoginOption.EncryptOn : PreLoginOption.EncryptNotSupported;
        await packets.WriteMessageAsync(
            TdsPacketType.TabularResult, PreLoginResponse.Build(answer, request.AsksFedAuthRequired), cancellationToken);

        if (tlsInsideTds)
        {
            var shim = new TlsOverTdsStream(packets.Stream);
            var tls = new SslStream(shim, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = SslProtocols.Tls12, // what TDS 7.x speaks
                    ClientCertificateRequired = false,
                },
                cancellationToken);
            shim.Passthrough = true;
            packets.Stream = tls;
        }

        return strict;
    }

    private static async Task<bool> StartsWithTlsAsync(Socket socket, CancellationToken cancellationToken)
    {
        var first = new byte[1];
        var read = await socket.ReceiveAsync(first, SocketFlags.Peek, cancellationToken);
        return read == 1 && first[0] == TlsHandshakeRecord;
    }
}
