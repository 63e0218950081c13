using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.TestPeers.AzCli;

/// <summary>
/// An <c>az</c> executable in a fresh temp directory that answers <c>az account get-access-token</c> in the
/// Azure CLI's JSON shape with tokens from a <see cref="TokenIssuer"/>, so Azure.Identity's real
/// <c>AzureCliCredential</c> works against it. The script calls back into this process over loopback TCP,
/// where each run is counted, recorded and answered.
/// </summary>
/// <remarks>
/// How <c>AzureCliCredential</c> (Azure.Core 1.60, behind Azure.Identity 1.21) runs it on Linux: <c>/bin/sh -c
/// "az account get-access-token --output json --resource https://database.windows.net [--tenant T]"</c>
/// (always <c>--resource</c>, the scope minus <c>/.default</c>), working directory <c>/bin/</c>, with PATH set to
/// the value PATH had when the credential was constructed; so put the stand-in on PATH before constructing it.
/// It reads <c>accessToken</c> and <c>expires_on</c> (a JSON number; <c>expiresOn</c> local time only as a
/// fallback). A failure whose stderr mentions "az login" becomes <c>CredentialUnavailableException</c>, "az: not
/// found" too; a run over <c>ProcessTimeout</c> (13 s by default) an <c>AuthenticationFailedException</c>.
/// Nothing is cached: every <c>GetToken</c> runs the process.
/// </remarks>
public sealed class AzCliStandIn : IAsyncDisposable
{
    public const string LoggedOutMessage = "ERROR: Please run 'az login' to setup account.";

    private readonly TokenIssuer _issuer;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _disposing = new();
    private readonly ConcurrentQueue<string> _invocations = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly AudienceCatalog _audiences = new();
    private readonly Lock _gate = new();
    private Task _acceptLoop = Task.CompletedTask;
    private TimeSpan _delay;
    private bool _loggedOut;
    private int _invocationCount;
    private bool _disposed;

    private AzCliStandIn(TokenIssuer issuer, TestPrincipal signedInUser, string subscriptionId)
    {
        _issuer = issuer;
        SignedInUser = signedInUser;
        SubscriptionId = subscriptionId;
        Directory = System.IO.Directory.CreateTempSubdirectory("az-standin-").FullName;
    }

    /// <summary>The temp directory holding the <c>az</c> script; deleted on dispose.</summary>
    public string Directory { get; }

    public string ExecutablePath => Path.Combine(Directory, AzCliScript.FileName);

    public TestPrincipal SignedInUser { get; }

    public string SubscriptionId { get; }

    /// <summary>Runs of <c>az</c> that reached the stand-in.</summary>
    public int InvocationCount => Volatile.Read(ref _invocationCount);

    /// <summary>Each run's arguments, joined by spaces, oldest first (a snapshot).</summary>
    public IReadOnlyList<string> Invocations => _invocations.ToArray();

    /// <summary>While true, runs fail the way a CLI without a signed-in account does (stderr, exit code 1).</summary>
    public bool LoggedOut
    {
        get { lock (_gate) { return _loggedOut; } }
        set { lock (_gate) { _loggedOut = value; } }
    }

    /// <summary>How long each run waits before answering; zero for none.</summary>
    public TimeSpan Delay
    {
        get { lock (_gate) { return _delay; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) { _delay = value; }
        }
    }

    /// <summary>False removes the script, so the shell finds no <c>az</c> in the stand-in's directory; true puts it back.</summary>
    public bool Installed
    {
        get => File.Exists(ExecutablePath);
        set
        {
            if (value)
            {
                WriteScript();
            }
            else
            {
                File.Delete(ExecutablePath);
            }
        }
    }

    public static Task<AzCliStandIn> StartAsync(TokenIssuer issuer, TestPrincipal signedInUser, string? subscriptionId = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(signedInUser);
        var standIn = new AzCliStandIn(issuer, signedInUser, subscriptionId ?? Guid.NewGuid().ToString());
        standIn.Listen();
        return Task.FromResult(standIn);
    }

    /// <summary>Lets the stand-in mint tokens for another resource (SQL is known from the start).</summary>
    public void AddAudience(string audience) => _audiences.Add(audience);

    /// <summary>Prepends the stand-in's directory to PATH; the prior PATH comes back on dispose.</summary>
    public IDisposable PutFirstOnPath()
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        return new EnvironmentScope().Set("PATH", string.IsNullOrEmpty(path) ? Directory : $"{Directory}{Path.PathSeparator}{path}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _disposing.CancelAsync();
        _listener.Stop();
        await Task.WhenAll(_running.Keys.Append(_acceptLoop)).ContinueWith(_ => { }, TaskScheduler.Default);
        _listener.Dispose();
        _disposing.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void Listen()
    {
        _listener.Start();
        WriteScript();
        _acceptLoop = AcceptLoopAsync(_disposing.Token);
    }

    private void WriteScript()
    {
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        File.WriteAllText(ExecutablePath, AzCliScript.For(port));
        if (!OperatingSystem.IsWindows())
        {
            // The stand-in is a bash script: Linux and macOS only, like the credential's /bin/sh launch.
            File.SetUnixFileMode(ExecutablePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var run = ServeAsync(client, stopping);
            _running.TryAdd(run, 0);
            _ = run.ContinueWith(done => _running.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            var args = await ReadArgumentsAsync(reader, stopping);
            Interlocked.Increment(ref _invocationCount);
            _invocations.Enqueue(string.Join(' ', args));

            var delay = Delay;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, stopping);
            }

            var answer = Answer(args);
            var payload = $"{answer.ExitCode.ToString(CultureInfo.InvariantCulture)}\n{(answer.ToStandardError ? "err" : "out")}\n{answer.Text}\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(payload), stopping);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // The credential killed the process (timeout) or the stand-in is stopping: the run gets no answer.
        }
    }

    private static async Task<List<string>> ReadArgumentsAsync(StreamReader reader, CancellationToken stopping)
    {
        var countLine = await reader.ReadLineAsync(stopping) ?? "0";
        var count = int.Parse(countLine, NumberStyles.None, CultureInfo.InvariantCulture);
        var args = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            args.Add(await reader.ReadLineAsync(stopping) ?? string.Empty);
        }

        return args;
    }

    private AzCliAnswer Answer(IReadOnlyList<string> args)
    {
        if (!GetAccessTokenArguments.TryParse(args, out var parsed, out var usageError))
        {
            return AzCliAnswer.Failure(usageError, exitCode: 2);
        }

        if (LoggedOut)
        {
            return AzCliAnswer.Failure(LoggedOutMessage);
        }

        if (parsed.Tenant is not null && !string.Equals(parsed.Tenant, _issuer.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            return AzCliAnswer.Failure($"ERROR: AADSTS90002: Tenant '{parsed.Tenant}' not found for the signed-in account.");
        }

        if (parsed.Subscription is not null && !string.Equals(parsed.Subscription, SubscriptionId, StringComparison.OrdinalIgnoreCase))
        {
            return AzCliAnswer.Failure($"ERROR: Subscription '{parsed.Subscription}' not found. Check the spelling and casing and try again.");
        }

        // Without --resource or --scope the real CLI asks for Azure Resource Manager.
        var resource = parsed.Scope ?? parsed.Resource ?? "https://management.core.windows.net/";
        if (!_audiences.TryResolve(resource, out var audience))
        {
            return AzCliAnswer.Failure(
                $"ERROR: AADSTS500011: The resource principal named {resource} was not found in the tenant named {_issuer.TenantId}.");
        }

        var issued = _issuer.Issue(SignedInUser, audience);
        return AzCliAnswer.Success(TokenJson(issued.Token, issued.ExpiresOn));
    }

    private string TokenJson(string token, DateTimeOffset expiresOn) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["accessToken"] = token,
            // The CLI writes local time without an offset; the credential prefers expires_on when present.
            ["expiresOn"] = expiresOn.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            ["expires_on"] = expiresOn.ToUnixTimeSeconds(),
            ["subscription"] = SubscriptionId,
            ["tenant"] = _issuer.TenantId,
            ["tokenType"] = "Bearer",
        });
}
