using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.TestPeers.Tds;

/// <summary>A running server, the issuer it trusts and one allowed principal; disposing clears the client's pools.</summary>
internal sealed class TdsTestContext : IAsyncDisposable
{
    private TdsTestContext(TokenIssuer issuer, TestPrincipal principal, TdsServer server)
    {
        Issuer = issuer;
        Principal = principal;
        Server = server;
    }

    public TokenIssuer Issuer { get; }

    public TestPrincipal Principal { get; }

    public TdsServer Server { get; }

    public static TdsTestContext Start()
    {
        var issuer = new TokenIssuer();
        var principal = TestPrincipal.Create("app-identity");
        var server = TdsServer.Start(new TdsServerOptions { Issuer = issuer });
        server.AllowPrincipal(principal.ObjectId);
        return new TdsTestContext(issuer, principal, server);
    }

    public string Token() => Issuer.Issue(Principal).Token;

    /// <summary>A connection carrying <paramref name="token"/> (a fresh valid one by default) in <c>AccessToken</c>.</summary>
    public SqlConnection ConnectionWithToken(TdsEncryption encryption = TdsEncryption.Off, string? token = null, string extra = "")
    {
        return new SqlConnection(Server.ConnectionString(encryption) + extra) { AccessToken = token ?? Token() };
    }

    public async ValueTask DisposeAsync()
    {
        SqlConnection.ClearAllPools();
        await Server.DisposeAsync();
        Issuer.Dispose();
    }
}
