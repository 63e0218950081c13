using System.Security.Cryptography;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using Microsoft.Extensions.Logging;
using static AzureSqlFunctions.Tests.EndToEnd.WorkerHttp;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// What the shipped worker says, as the host receives it (every RpcLog) and as its process writes it (stdout,
/// stderr): a clean start, and no secret — no access token, no function key, no request URL from ASP.NET Core's own
/// request logging — whatever the request and whatever fails.
/// </summary>
internal sealed class WorkerLogTests
{
    /// <summary>Every JWT starts with the base64url of <c>{"</c>.</summary>
    private const string JwtStart = "eyJ";

    private readonly TodoTable _table = new();
    private ShippedApp _app = null!;
    private IReadOnlyList<WorkerLog> _startupLogs = [];
    private IReadOnlyList<string> _startupOutput = [];
    private string _home = null!;

    [OneTimeSetUp]
    public async Task StartWorker()
    {
        // A profile of its own, so what the worker writes there is this worker's.
        _home = Directory.CreateTempSubdirectory("worker-home-").FullName;
        _app = await ShippedApp.StartAsync(prepare: (peers, _) => _table.ServeOn(peers.Server), settings: ("HOME", _home));

        // The worker is ready for invocations once loaded, but its host logs the last start-up lines a moment later.
        await _app.Host.WaitForLogAsync(log => log.Message.StartsWith("Content root path", StringComparison.Ordinal));
        _startupLogs = _app.Host.Logs;
        _startupOutput = [.. _app.Host.StandardOutput, .. _app.Host.StandardError];
    }

    [OneTimeTearDown]
    public async Task StopWorker()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_home is not null)
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    [Test]
    public async Task The_worker_starts_in_a_container_without_a_warning_and_writes_no_data_protection_key_ring()
    {
        _table.Add("one");
        Assert.That((await _app.Host.SendHttpAsync(Get("/api/todos/1"))).Status(), Is.EqualTo(200));

        Assert.That(_startupLogs, Has.Some.Matches<WorkerLog>(log => log.Message.StartsWith("Now listening on", StringComparison.Ordinal)), "start-up was logged, so it was checked");
        Assert.That(_startupLogs.Where(log => log.Level >= LogLevel.Warning), Is.Empty);
        Assert.That(_startupOutput, Is.Empty, "nothing on stdout or stderr");
        Assert.That(
            _app.AllOutput().Where(line => line.Contains("DataProtection", StringComparison.OrdinalIgnoreCase) || line.Contains("key ring", StringComparison.OrdinalIgnoreCase) || line.Contains("XML encryptor", StringComparison.OrdinalIgnoreCase)),
            Is.Empty,
            "the app keeps its data-protection keys in memory: nothing on disk to warn about");
        Assert.That(Path.Combine(_home, ".aspnet"), Does.Not.Exist, "no data-protection key written under the worker's HOME");
    }

    [Test]
    public async Task No_token_no_function_key_and_no_request_URL_reach_any_RpcLog_stdout_or_stderr()
    {
        var queryKey = "qk" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var headerKey = "hk" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _table.Add("one");
        HttpRequestMessage Keyed(HttpRequestMessage request)
        {
            request.RequestUri = new Uri(request.RequestUri + (request.RequestUri!.OriginalString.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "code=" + queryKey, UriKind.Relative);
            request.Headers.Add("x-functions-key", headerKey);
            return request;
        }

        var statuses = new List<int>
        {
            (await _app.Host.SendHttpAsync(Keyed(Get("/api/todos/1")))).Status(),
            (await _app.Host.SendHttpAsync(Keyed(Get("/api/todos?limit=5")))).Status(),
            (await _app.Host.SendHttpAsync(Keyed(Get("/api/todos/abc")))).Status(),
            (await _app.Host.SendHttpAsync(Keyed(Get("/api/todos/404")))).Status(),
            (await _app.Host.SendHttpAsync(Keyed(Post("""{ "title": "keyed" }""")))).Status(),
            (await _app.Host.SendHttpAsync(Keyed(Post("""{ "title": "keyed" }""", "text/plain")))).Status(),
            (await _app.Host.SendHttpAsync(Keyed(Get("/api/health")))).Status(),
        };
        _app.Sql.Faults.FailNextStatement(547, "The INSERT statement conflicted with the CHECK constraint.");
        statuses.Add((await _app.Host.SendHttpAsync(Keyed(Post("""{ "title": "fails" }""")))).Status());
        _app.Sql.Faults.FailNextStatement(40613, "Database 'appdb' on server 'localhost' is not currently available.", 20);
        statuses.Add((await _app.Host.SendHttpAsync(Keyed(Get("/api/todos/1")))).Status());
        Assert.That(statuses, Is.EqualTo(new[] { 200, 200, 400, 404, 201, 415, 200, 500, 503 }));

        var tokens = _app.Sql.Counters.TokensSeenBy(_app.Peers.Principal.ObjectId);
        Assert.That(tokens, Is.Not.Empty.And.All.StartsWith(JwtStart), "a token was used, and it is a JWT: the eyJ check covers it");
        var lines = _app.AllOutput();
        Assert.That(_app.Host.Logs, Has.Some.Matches<WorkerLog>(log => log.Level == LogLevel.Error && log.Exception is not null), "a failure with its exception was logged, so it was checked");
        Assert.That(_app.Host.Logs, Has.Some.Matches<WorkerLog>(log => log.Level == LogLevel.Warning && log.Message.Contains("answered 503", StringComparison.Ordinal)));
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(line => line.Contains(JwtStart, StringComparison.Ordinal) || tokens.Any(token => line.Contains(token, StringComparison.Ordinal))), Is.Empty, "token text");
            Assert.That(lines.Where(line => line.Contains(queryKey, StringComparison.Ordinal) || line.Contains(headerKey, StringComparison.Ordinal)), Is.Empty, "function keys");
            Assert.That(lines.Where(line => line.Contains("?code=", StringComparison.OrdinalIgnoreCase) || line.Contains("&code=", StringComparison.OrdinalIgnoreCase)), Is.Empty, "a URL with its key");
            Assert.That(
                _app.Host.Logs.Where(log => log.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && log.Level < LogLevel.Warning),
                Is.Empty,
                "ASP.NET Core's request logging (which prints URLs with their query) is filtered to warnings");
        });
    }
}
