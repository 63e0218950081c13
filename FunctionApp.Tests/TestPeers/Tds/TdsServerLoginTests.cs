using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Tds;

/// <summary>Logins by the real SqlClient: both FEDAUTH workflows, every encryption mode, and rejected tokens.</summary>
public sealed class TdsServerLoginTests
{
    private TdsTestContext _context = null!;

    [SetUp]
    public void StartServer() => _context = TdsTestContext.Start();

    [TearDown]
    public async Task StopServer() => await _context.DisposeAsync();

    [TestCase(TdsEncryption.Off)]
    [TestCase(TdsEncryption.Mandatory)]
    [TestCase(TdsEncryption.Strict)]
    public async Task Access_token_login_works_in_every_encryption_mode(TdsEncryption encryption)
    {
        var token = _context.Token();
        await using var connection = _context.ConnectionWithToken(encryption, token);

        await connection.OpenAsync();
        var result = await SelectOneAsync(connection);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(1));
            Assert.That(connection.Database, Is.EqualTo("appdb"));
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.LoginsBy(_context.Principal.ObjectId), Is.EqualTo(1));
            Assert.That(_context.Server.Counters.TokensSeenBy(_context.Principal.ObjectId), Is.EquivalentTo(new[] { token }));
        });
    }

    [TestCase(TdsEncryption.Off)]
    [TestCase(TdsEncryption.Mandatory)]
    [TestCase(TdsEncryption.Strict)]
    public async Task Access_token_callback_login_gets_the_spn_and_sts_url_from_fedauthinfo(TdsEncryption encryption)
    {
        var issued = _context.Issuer.Issue(_context.Principal);
        SqlAuthenticationParameters? seen = null;
        await using var connection = new SqlConnection(_context.Server.ConnectionString(encryption))
        {
            AccessTokenCallback = (parameters, _) =>
            {
                seen = parameters;
                return Task.FromResult(new SqlAuthenticationToken(issued.Token, issued.ExpiresOn));
            },
        };

        await connection.OpenAsync();
        var result = await SelectOneAsync(connection);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(1));
            Assert.That(seen, Is.Not.Null);
            Assert.That(seen!.Resource, Is.EqualTo("https://database.windows.net/"));
            Assert.That(seen.Authority, Is.EqualTo($"https://login.microsoftonline.com/{_context.Issuer.TenantId}"));
            Assert.That(_context.Server.Counters.TokensSeenBy(_context.Principal.ObjectId), Is.EquivalentTo(new[] { issued.Token }));
        });
    }

    [Test]
    public async Task Trust_server_certificate_gets_through_tds7_tls()
    {
        await using var connection = new SqlConnection(_context.Server.ConnectionString(TdsEncryption.Mandatory, trustServerCertificate: true))
        {
            AccessToken = _context.Token(),
        };

        await connection.OpenAsync();

        Assert.That(await SelectOneAsync(connection), Is.EqualTo(1));
    }

    [Test]
    public async Task Strict_validates_the_certificate_even_when_told_to_trust_it()
    {
        await using var connection = new SqlConnection(_context.Server.ConnectionString(TdsEncryption.Strict, trustServerCertificate: true))
        {
            AccessToken = _context.Token(),
        };

        Assert.That(async () => await connection.OpenAsync(), Throws.InstanceOf<SqlException>());
        Assert.That(_context.Server.Counters.PhysicalLogins, Is.Zero);
    }

    [Test]
    public async Task A_client_expecting_another_certificate_refuses_the_server()
    {
        var otherCertificate = Path.Combine(Path.GetTempPath(), $"other-{Guid.NewGuid():N}.cer");
        await using (var other = TdsServer.Start(new TdsServerOptions { Issuer = _context.Issuer }))
        {
            File.Copy(other.CertificatePath, otherCertificate);
        }

        try
        {
            var connectionString = _context.Server.ConnectionString(TdsEncryption.Mandatory)
                .Replace(_context.Server.CertificatePath, otherCertificate, StringComparison.Ordinal);
            await using var connection = new SqlConnection(connectionString) { AccessToken = _context.Token() };

            Assert.That(async () => await connection.OpenAsync(), Throws.InstanceOf<SqlException>());
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.Zero);
        }
        finally
        {
            File.Delete(otherCertificate);
        }
    }

    [Test]
    public async Task Expired_token_is_refused_with_login_failed()
    {
        var expired = _context.Issuer.Issue(_context.Principal, lifetime: TimeSpan.FromSeconds(-10)).Token;

        await AssertLoginFailedAsync(expired);
    }

    [Test]
    public async Task Token_for_another_audience_is_refused_with_login_failed()
    {
        var wrongAudience = _context.Issuer.Issue(_context.Principal, audience: "https://management.azure.com/").Token;

        await AssertLoginFailedAsync(wrongAudience);
    }

    [Test]
    public async Task Token_of_a_principal_that_is_not_a_contained_user_is_refused_with_login_failed()
    {
        var stranger = _context.Issuer.Issue(TestPrincipal.Create("stranger")).Token;

        await AssertLoginFailedAsync(stranger);
    }

    [Test]
    public async Task Token_signed_by_another_key_is_refused_with_login_failed()
    {
        using var impostor = new TokenIssuer(tenantId: _context.Issuer.TenantId);
        var forged = impostor.Issue(_context.Principal).Token;

        await AssertLoginFailedAsync(forged);
    }

    [Test]
    public async Task Transient_login_fault_surfaces_with_azure_sql_number_for_the_armed_logins_only()
    {
        _context.Server.Faults.FailNextLogins(40613, count: 2);
        var connectionString = _context.Server.ConnectionString(TdsEncryption.Off) + "ConnectRetryCount=0;Pooling=False;";
        var token = _context.Token();

        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var failing = new SqlConnection(connectionString) { AccessToken = token };
            var exception = Assert.ThrowsAsync<SqlException>(async () => await failing.OpenAsync());
            Assert.Multiple(() =>
            {
                Assert.That(exception!.Number, Is.EqualTo(40613));
                Assert.That(exception.Class, Is.EqualTo(20));
                Assert.That(exception.Message, Does.Contain("is not currently available"));
            });
        }

        await using var working = new SqlConnection(connectionString) { AccessToken = token };
        await working.OpenAsync();
        Assert.Multiple(() =>
        {
            Assert.That(_context.Server.Counters.FailedLogins, Is.EqualTo(2));
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Login_delay_holds_the_login_back()
    {
        _context.Server.Faults.LoginDelay = TimeSpan.FromMilliseconds(600);
        await using var connection = _context.ConnectionWithToken();
        var started = System.Diagnostics.Stopwatch.StartNew();

        await connection.OpenAsync();

        Assert.That(started.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(550)));
    }

    private async Task AssertLoginFailedAsync(string token)
    {
        await using var connection = _context.ConnectionWithToken(TdsEncryption.Off, token);

        var exception = Assert.ThrowsAsync<SqlException>(async () => await connection.OpenAsync());

        Assert.Multiple(() =>
        {
            Assert.That(exception!.Number, Is.EqualTo(18456));
            Assert.That(exception.Class, Is.EqualTo(14));
            Assert.That(exception.State, Is.EqualTo(1));
            Assert.That(exception.Message, Is.EqualTo("Login failed for user '<token-identified principal>'."));
            Assert.That(_context.Server.Counters.FailedLogins, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.Zero);
        });
    }

    private static async Task<object?> SelectOneAsync(SqlConnection connection)
    {
        await using var command = new SqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync();
    }
}
