using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AzureSqlFunctions.TestPeers.Tds.Transport;

namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>
/// An in-process TDS server that the real Microsoft.Data.SqlClient connects to with Entra tokens. It is not a SQL
/// engine: tests register handlers that turn statements into rows, counts or errors. Listens on 127.0.0.1 on a free
/// port; <see cref="DisposeAsync"/> closes the listener and every session.
/// </summary>
/// <remarks>
/// <code>
/// await using var server = TdsServer.Start(new TdsServerOptions { Issuer = issuer });
/// server.AllowPrincipal(principal.ObjectId);
/// server.Handle("FROM dbo.Orders", SqlResponse.Rows([new TdsColumn("Id", TdsColumnType.Int)], [[1], [2]]));
/// await using var connection = new SqlConnection(server.ConnectionString(TdsEncryption.Mandatory)) { AccessToken = token };
/// </code>
/// Handlers should honour their cancellation token: it fires on attention and when the server stops.
/// </remarks>
public sealed class TdsServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<TdsSession, Task> _sessions = new();
    private readonly ConcurrentDictionary<string, byte> _allowedPrincipals = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<RecordedStatement> _statements = new();
    private readonly ConcurrentQueue<string> _loginFailures = new();
    private readonly ConcurrentQueue<string> _sessionEnds = new();
    private readonly TdsHandlers _handlers = new();
    private readonly Task _accepting;
    private int _nextSessionId = 50;
    private long _nextTransactionDescriptor = 0x0000_0100_0000_0000;

    private TdsServer(TdsServerOptions options)
    {
        Options = options;
        Faults = new TdsFaults(options.DatabaseName);
        Certificate = TdsCertificate.CreateSelfSigned(options.Issuer.Time);
        CertificatePath = Path.Combine(Path.GetTempPath(), $"tds-peer-{Guid.NewGuid():N}.cer");
        File.WriteAllBytes(CertificatePath, Certificate.Export(X509ContentType.Cert));
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    public TdsServerOptions Options { get; }

    public int Port { get; }

    /// <summary>The server's self-signed certificate (CN=localhost, SAN localhost and 127.0.0.1).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The public certificate as a DER .cer file, for <c>ServerCertificate=</c>; deleted on dispose.</summary>
    public string CertificatePath { get; }

    public TdsCounters Counters { get; } = new();

    public TdsFaults Faults { get; }

    /// <summary>Every statement received, in arrival order.</summary>
    public IReadOnlyList<RecordedStatement> Statements => [.. _statements];

    /// <summary>Why each failed login failed (token rejected, unknown principal, injected fault...).</summary>
    public IReadOnlyList<string> LoginFailures => [.. _loginFailures];

    /// <summary>How sessions ended abnormally (exception type and message), for diagnosing a failing test.</summary>
    public IReadOnlyList<string> SessionEnds => [.. _sessionEnds];

    public static TdsServer Start(TdsServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TdsServer(options);
    }

    /// <summary>
    /// A connection string without any credential: the caller adds an access token or callback. Pooling is left
    /// at its default. Mandatory and Strict trust the server through its certificate file unless
    /// <paramref name="trustServerCertificate"/> is set; Strict (TDS 8) ignores that setting and always validates,
    /// so Strict with it fails against this self-signed certificate, as it would against a real server.
    /// </summary>
    public string ConnectionString(TdsEncryption encryption, bool trustServerCertificate = false)
    {
        var baseString = $"Data Source=tcp:127.0.0.1,{Port};Initial Catalog={Options.DatabaseName};";
        var trust = trustServerCertificate ? "TrustServerCertificate=True;" : $"ServerCertificate={CertificatePath};";
        return encryption switch
        {
            TdsEncryption.Off => baseString + "Encrypt=False;",
            TdsEncryption.Mandatory => baseString + "Encrypt=True;" + trust,
            TdsEncryption.Strict => baseString + "Encrypt=Strict;HostNameInCertificate=localhost;" + trust,
            _ => throw new ArgumentOutOfRangeException(nameof(encryption), encryption, null),
        };
    }

    /// <summary>Admits the principal with this <c>oid</c>, as <c>CREATE USER ... FROM EXTERNAL PROVIDER</c> would.</summary>
    public void AllowPrincipal(string objectId) => _allowedPrincipals[objectId] = 0;

    public void DisallowPrincipal(string objectId) => _allowedPrincipals.TryRemove(objectId, out _);

    /// <summary>
    /// Raised (on the session's thread, before the client sees the outcome) whenever a transaction ends: handlers that
    /// keep state can apply or discard what a transaction changed.
    /// </summary>
    public event Action<TdsTransactionEnd>? TransactionEnded;

    /// <summary>Adds a handler; handlers are asked in registration order and the first non-null answer wins.</summary>
    public TdsServer Handle(Func<SqlRequest, CancellationToken, ValueTask<SqlResponse?>> handler)
    {
        _handlers.Add(handler);
        return this;
    }

    public TdsServer Handle(Func<SqlRequest, SqlResponse?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Handle((request, _) => ValueTask.FromResult(handler(request)));
    }

    /// <summary>Answers every statement whose text contains <paramref name="textContains"/> (case-insensitive).</summary>
    public TdsServer Handle(string textContains, SqlResponse response) =>
        Handle(request => request.Text.Contains(textContains, StringComparison.OrdinalIgnoreCase) ? response : null);

    /// <summary>Zeroes the counters and forgets recorded statements and login failures; handlers and faults stay.</summary>
    public void ResetCounters()
    {
        Counters.Reset();
        _statements.Clear();
        _loginFailures.Clear();
        _sessionEnds.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var session in _sessions.Keys)
        {
            session.Abort();
        }

        await Task.WhenAll(_sessions.Values);
        _stopping.Dispose();
        Certificate.Dispose();
        File.Delete(CertificatePath);
    }

    internal bool IsAllowed(string objectId) => _allowedPrincipals.ContainsKey(objectId);

    internal void Record(RecordedStatement statement) => _statements.Enqueue(statement);

    internal void RecordLoginFailure(string reason) => _loginFailures.Enqueue(reason);

    internal void RecordSessionEnd(int sessionId, Exception exception) =>
        _sessionEnds.Enqueue($"session {sessionId}: {exception.GetType().Name}: {exception.Message}");

    internal void EndTransaction(ulong descriptor, int sessionId, bool committed)
    {
        if (committed)
        {
            Counters.TransactionCommitted();
        }
        else
        {
            Counters.TransactionRolledBack();
        }

        TransactionEnded?.Invoke(new TdsTransactionEnd(descriptor, sessionId, committed));
    }

    internal ulong NextTransactionDescriptor() => (ulong)Interlocked.Increment(ref _nextTransactionDescriptor);

    internal ValueTask<SqlResponse> ResolveAsync(SqlRequest request, CancellationToken cancellationToken) =>
        _handlers.ResolveAsync(request, cancellationToken);

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            var session = new TdsSession(this, socket, (ushort)Interlocked.Increment(ref _nextSessionId));
            var running = RunSessionAsync(session, cancellationToken);
            _sessions[session] = running;
            if (running.IsCompleted)
            {
                _sessions.TryRemove(session, out _); // it ended before it was listed
            }
        }
    }

    private async Task RunSessionAsync(TdsSession session, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the accept loop goes straight back to accepting
        try
        {
            await session.RunAsync(cancellationToken);
        }
        finally
        {
            _sessions.TryRemove(session, out _);
            session.Dispose();
        }
    }
}
