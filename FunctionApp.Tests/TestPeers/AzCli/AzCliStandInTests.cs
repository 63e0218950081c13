using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.Tests.TestPeers.Identity;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.AzCli;

/// <summary>The real <see cref="AzureCliCredential"/> running the stand-in through /bin/sh, and the stand-in run directly.</summary>
[TestFixture]
public sealed class AzCliStandInTests
{
    private static readonly TokenRequestContext SqlScope = new(["https://database.windows.net/.default"]);

    private TokenIssuer _issuer = null!;
    private TestPrincipal _developer = null!;
    private AzCliStandIn _az = null!;
    private IDisposable _path = null!;

    [SetUp]
    public async Task StartStandIn()
    {
        _issuer = new TokenIssuer();
        _developer = TestPrincipal.Create("signed-in developer");
        _az = await AzCliStandIn.StartAsync(_issuer, _developer);
        _path = _az.PutFirstOnPath(); // before constructing credentials: they capture PATH in their constructor
    }

    [TearDown]
    public async Task StopStandIn()
    {
        _path.Dispose();
        await _az.DisposeAsync();
        _issuer.Dispose();
    }

    [Test]
    public async Task AzureCliCredential_gets_a_sql_token_for_the_signed_in_user()
    {
        var token = await new AzureCliCredential().GetTokenAsync(SqlScope);

        var claims = TokenClaims.Read(_issuer, token.Token);
        var check = await _issuer.ValidateAsync(token.Token);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.IsValid, Is.True, check.Failure);
            Assert.That(claims["oid"], Is.EqualTo(_developer.ObjectId));
            Assert.That(claims["aud"], Is.EqualTo(TokenIssuer.SqlAudience));
            Assert.That(claims["tid"], Is.EqualTo(_issuer.TenantId));
            Assert.That(token.ExpiresOn, Is.EqualTo(DateTimeOffset.UtcNow + _issuer.TokenLifetime).Within(TimeSpan.FromMinutes(1)));
            // What Azure.Identity runs: always --resource, the scope minus "/.default".
            Assert.That(_az.Invocations.Single(), Is.EqualTo("account get-access-token --output json --resource https://database.windows.net"));
        }
    }

    [Test]
    public async Task Tenant_option_is_passed_as_tenant_argument()
    {
        var credential = new AzureCliCredential(new AzureCliCredentialOptions { TenantId = _issuer.TenantId });

        var token = await credential.GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await _issuer.ValidateAsync(token.Token)).IsValid, Is.True);
            Assert.That(_az.Invocations.Single(), Does.EndWith($"--tenant {_issuer.TenantId}"));
        }
    }

    [Test]
    public void Unknown_tenant_fails_with_AuthenticationFailedException()
    {
        var credential = new AzureCliCredential(new AzureCliCredentialOptions { TenantId = Guid.NewGuid().ToString() });

        var failure = Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(SqlScope));

        Assert.That(failure!.Message, Does.Contain("AADSTS90002"));
    }

    [Test]
    public async Task Every_GetToken_runs_az_again()
    {
        var credential = new AzureCliCredential();

        for (var i = 0; i < 3; i++)
        {
            await credential.GetTokenAsync(SqlScope);
        }

        Assert.That(_az.InvocationCount, Is.EqualTo(3));
    }

    [Test]
    public void Logged_out_cli_makes_the_credential_unavailable_with_a_hint_to_az_login()
    {
        _az.LoggedOut = true;

        var failure = Assert.ThrowsAsync<CredentialUnavailableException>(
            async () => await new AzureCliCredential().GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Message, Does.Contain("az login"));
            Assert.That(_az.InvocationCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void Missing_cli_makes_the_credential_unavailable_as_not_installed()
    {
        _az.Installed = false;
        // Only the stand-in's (now empty) directory on PATH, so no real az elsewhere can answer.
        using var onlyStandIn = new EnvironmentScope().Set("PATH", _az.Directory);

        var failure = Assert.ThrowsAsync<CredentialUnavailableException>(
            async () => await new AzureCliCredential().GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Message, Does.Contain("Azure CLI not installed"));
            Assert.That(_az.InvocationCount, Is.Zero);
        }
    }

    [Test]
    public async Task Slow_cli_answers_after_the_delay()
    {
        _az.Delay = TimeSpan.FromMilliseconds(400);

        var elapsed = Stopwatch.StartNew();
        var token = await new AzureCliCredential().GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(elapsed.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(400)));
            Assert.That((await _issuer.ValidateAsync(token.Token)).IsValid, Is.True);
        }
    }

    [Test]
    public void Cli_slower_than_ProcessTimeout_fails_the_credential_as_timed_out()
    {
        _az.Delay = TimeSpan.FromSeconds(10);
        var credential = new AzureCliCredential(new AzureCliCredentialOptions { ProcessTimeout = TimeSpan.FromSeconds(1) });

        var elapsed = Stopwatch.StartNew();
        var failure = Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Message, Does.Contain("timed out"));
            Assert.That(elapsed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)));
        }
    }

    [TestCase("--scope", "https://database.windows.net/.default")]
    [TestCase("--resource", "https://database.windows.net/")]
    public async Task Run_directly_it_prints_the_cli_json_shape(string option, string value)
    {
        var run = await RunAzAsync("account", "get-access-token", option, value, "--output", "json");

        Assert.That(run.ExitCode, Is.Zero, run.StandardError);
        using var json = JsonDocument.Parse(run.StandardOutput);
        var root = json.RootElement;
        var expiresOnUnix = root.GetProperty("expires_on").GetInt64();
        var expiresOnLocal = DateTime.ParseExact(
            root.GetProperty("expiresOn").GetString()!, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await _issuer.ValidateAsync(root.GetProperty("accessToken").GetString()!)).ObjectId, Is.EqualTo(_developer.ObjectId));
            Assert.That(new DateTimeOffset(expiresOnLocal).ToUnixTimeSeconds(), Is.EqualTo(expiresOnUnix));
            Assert.That(root.GetProperty("tenant").GetString(), Is.EqualTo(_issuer.TenantId));
            Assert.That(root.GetProperty("subscription").GetString(), Is.EqualTo(_az.SubscriptionId));
            Assert.That(root.GetProperty("tokenType").GetString(), Is.EqualTo("Bearer"));
            Assert.That(_az.Invocations.Single(), Is.EqualTo($"account get-access-token {option} {value} --output json"));
        }
    }

    [Test]
    public async Task Run_directly_while_logged_out_it_exits_1_with_the_cli_message_on_stderr()
    {
        _az.LoggedOut = true;

        var run = await RunAzAsync("account", "get-access-token", "--resource", "https://database.windows.net");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.StandardError.Trim(), Is.EqualTo(AzCliStandIn.LoggedOutMessage));
            Assert.That(run.StandardOutput, Is.Empty);
        }
    }

    [Test]
    public async Task Disposing_restores_path_and_deletes_the_directory()
    {
        var pathBefore = Environment.GetEnvironmentVariable("PATH");
        await using (var other = await AzCliStandIn.StartAsync(_issuer, _developer))
        {
            using (other.PutFirstOnPath())
            {
                Assert.That(Environment.GetEnvironmentVariable("PATH"), Does.StartWith(other.Directory + ":"));
            }

            Assert.That(Environment.GetEnvironmentVariable("PATH"), Is.EqualTo(pathBefore));
            await other.DisposeAsync();
            Assert.That(Directory.Exists(other.Directory), Is.False);
        }
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAzAsync(params string[] args)
    {
        var start = new ProcessStartInfo("az") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output, await error);
    }
}
