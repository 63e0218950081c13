using System.Diagnostics;
using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// A Functions host for tests: starts a dotnet-isolated worker process the way the host does and plays the
/// host's side of <c>FunctionRpc.EventStream</c> with it — StartStream, WorkerInitRequest, worker indexing
/// (FunctionsMetadataRequest), one FunctionLoadRequest per function, then invocations (HTTP proxied to the
/// worker's own listener for ASP.NET Core integration; timer with TimerInfo), InvocationCancel and
/// WorkerTerminate. Knows nothing of any particular app. Binds to 127.0.0.1; every wait has a timeout.
/// </summary>
/// <example>
/// <code>
/// await using var host = await FunctionsHostPeer.StartAsync(new FunctionsHostOptions { WorkerPath = path, AppSettings = { ["X__Y"] = "z" } });
/// var response = await host.SendHttpAsync(new HttpRequestMessage(HttpMethod.Get, "/api/items/1"));
/// var timer = await host.InvokeTimerAsync("Nightly");
/// var exitCode = await host.StopAsync();
/// </code>
/// </example>
public sealed class FunctionsHostPeer : IAsyncDisposable
{
    /// <summary>The worker capability naming its HTTP listener (ASP.NET Core integration).</summary>
    public const string HttpUriCapability = "HttpUri";

    /// <summary>The host sends WorkerTerminate only to a worker that reports this capability.</summary>
    public const string HandlesWorkerTerminateCapability = "HandlesWorkerTerminateMessage";

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly FunctionsHostOptions _options;
    private readonly RpcServer _server;
    private readonly WorkerProcess _process;
    private readonly WorkerConnection _connection;
    private readonly Dictionary<string, IndexedFunction> _byName;
    private readonly HttpRouteTable _routes;
    private readonly HttpForwarder? _forwarder;
    private bool _disposed;

    private FunctionsHostPeer(FunctionsHostOptions options, RpcServer server, WorkerStartup.StartedWorker worker, string routePrefix)
    {
        _options = options;
        _server = server;
        _process = worker.Process;
        _connection = worker.Connection;
        WorkerId = worker.WorkerId;
        AppDirectory = worker.AppDirectory;
        WorkerCapabilities = new Dictionary<string, string>(worker.Init.Capabilities, StringComparer.Ordinal);
        WorkerVersion = worker.Init.WorkerMetadata?.WorkerVersion ?? worker.Init.WorkerVersion;
        Functions = worker.Functions;
        _byName = Functions.ToDictionary(function => function.Name, StringComparer.OrdinalIgnoreCase);
        RoutePrefix = routePrefix;
        _routes = new HttpRouteTable(Functions, routePrefix);
        if (WorkerCapabilities.TryGetValue(HttpUriCapability, out var httpUri) && httpUri.Length > 0)
        {
            WorkerHttpUri = new Uri(httpUri);
            _forwarder = new HttpForwarder(WorkerHttpUri, options.InvocationTimeout);
        }
    }

    public string WorkerId { get; }

    /// <summary>The function app folder: the worker assembly's folder, its working directory.</summary>
    public string AppDirectory { get; }

    /// <summary>The gRPC address the worker was given (<c>--functions-uri</c>).</summary>
    public Uri RpcUri => _server.Uri;

    public int ProcessId => _process.Id;

    /// <summary>The capabilities of the WorkerInitResponse.</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities { get; }

    public string WorkerVersion { get; }

    /// <summary>The worker's HTTP listener (its <c>HttpUri</c> capability); null for a worker without ASP.NET Core integration.</summary>
    public Uri? WorkerHttpUri { get; }

    /// <summary>host.json's <c>extensions.http.routePrefix</c> ("api" by default).</summary>
    public string RoutePrefix { get; }

    /// <summary>The worker's functions, in the order it indexed them.</summary>
    public IReadOnlyList<IndexedFunction> Functions { get; }

    /// <summary>Every RpcLog received so far, oldest first.</summary>
    public IReadOnlyList<WorkerLog> Logs => _connection.Logs.Snapshot();

    /// <summary>Messages from the worker the peer was not waiting for (e.g. a late InvocationResponse), as text.</summary>
    public IReadOnlyList<string> UnexpectedMessages => _connection.Unexpected.Snapshot();

    public IReadOnlyList<string> StandardOutput => _process.StandardOutput.Snapshot();

    public IReadOnlyList<string> StandardError => _process.StandardError.Snapshot();

    public bool HasExited => _process.HasExited;

    /// <summary>The worker's exit code once it has exited.</summary>
    public int? ExitCode => _process.Exited.IsCompletedSuccessfully ? _process.Exited.Result : null;

    /// <summary>True when the peer had to kill the worker (it did not exit within the grace period, or on dispose).</summary>
    public bool WasKilled { get; private set; }

    /// <summary>Starts the worker and takes it through start-up, indexing and loading.</summary>
    /// <exception cref="WorkerStartException">The worker exited, refused, or did not answer within <see cref="FunctionsHostOptions.StartupTimeout"/>.</exception>
    public static async Task<FunctionsHostPeer> StartAsync(FunctionsHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var workerPath = Path.GetFullPath(options.WorkerPath);
        if (!File.Exists(workerPath))
        {
            throw new FileNotFoundException($"The worker assembly '{workerPath}' does not exist (is the app built?).", workerPath);
        }

        var server = await RpcServer.StartAsync(options.MaxMessageLength);
        try
        {
            var worker = await WorkerStartup.RunAsync(options, workerPath, server);
            return new FunctionsHostPeer(options, server, worker, HostJson.RoutePrefix(worker.AppDirectory));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The indexed function of that name.</summary>
    public IndexedFunction Function(string name) =>
        _byName.TryGetValue(name, out var function)
            ? function
            : throw new ArgumentException($"The worker indexed no function '{name}' (it has: {string.Join(", ", Functions.Select(f => f.Name))}).", nameof(name));

    /// <summary>The first RpcLog (already received or still to come) that matches.</summary>
    public Task<WorkerLog> WaitForLogAsync(Func<WorkerLog, bool> match, TimeSpan? timeout = null) =>
        _connection.Logs.WaitForAsync(match, timeout ?? _options.InvocationTimeout, "worker RpcLog");

    /// <summary>The first stdout or stderr line (already written or still to come) that matches.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan? timeout = null) =>
        _process.Output.WaitForAsync(match, timeout ?? _options.InvocationTimeout, "stdout or stderr line");

    /// <summary>An HTTP invocation, awaited to the end; see <see cref="StartHttp"/>.</summary>
    public async Task<HttpInvocationResult> SendHttpAsync(HttpRequestMessage request) => await StartHttp(request);

    /// <summary>
    /// Routes the request as the host does (host.json's route prefix, the indexed routes and methods), then, like
    /// the host with a proxying worker, starts forwarding it to the worker's HTTP listener with
    /// <c>x-ms-invocation-id</c> and sends the InvocationRequest (an empty RpcHttp under the trigger's name, plus
    /// the trigger metadata). A relative URI is taken against <see cref="FunctionsHostOptions.PublicBaseAddress"/>.
    /// </summary>
    /// <exception cref="NoMatchingFunctionException">No function's route and methods match.</exception>
    /// <exception cref="NotSupportedException">The worker reports no <c>HttpUri</c> (the built-in HTTP model is not supported).</exception>
    public PendingInvocation<HttpInvocationResult> StartHttp(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfUnusable();
        if (_forwarder is null)
        {
            throw new NotSupportedException(
                "The worker reports no HttpUri capability, so it does not use ASP.NET Core integration; the peer makes HTTP invocations only by proxying to such a worker (RpcHttp request and response bodies are not supported).");
        }

        var uri = request.RequestUri switch
        {
            null => _options.PublicBaseAddress,
            { IsAbsoluteUri: true } absolute => absolute,
            var relative => new Uri(_options.PublicBaseAddress, relative),
        };
        var (route, routeValues) = _routes.Match(request.Method.Method, PathString.FromUriComponent(uri));
        ThrowIfNotLoaded(route.Function);
        var invocationId = Guid.NewGuid().ToString();
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = SendHttpCoreAsync(request, uri, route, routeValues, invocationId, sent, _forwarder);
        return new PendingInvocation<HttpInvocationResult>(invocationId, route.Function.Name, sent.Task, result, CancelAsync);
    }

    /// <summary>A timer invocation, awaited to the end; see <see cref="StartTimer"/>.</summary>
    public async Task<InvocationResult> InvokeTimerAsync(string functionName, TimerInvocation? timer = null) => await StartTimer(functionName, timer);

    /// <summary>
    /// Invokes a timer-triggered function as the host does when the schedule fires: the TimerInfo JSON under the
    /// trigger's name, and trigger metadata <c>TimerTrigger</c> (the host's local time as text).
    /// </summary>
    public PendingInvocation<InvocationResult> StartTimer(string functionName, TimerInvocation? timer = null)
    {
        ThrowIfUnusable();
        var function = Function(functionName);
        var trigger = function.Trigger is { IsTimerTrigger: true } timerTrigger
            ? timerTrigger
            : throw new ArgumentException($"{function.Name} is not timer-triggered ({function.Trigger?.Type ?? "no trigger"}).", nameof(functionName));
        ThrowIfNotLoaded(function);
        var request = InvocationRequests.Timer(function, trigger, TimerInfoJson.Build(timer ?? new TimerInvocation(), ResolveSetting(trigger.Schedule)), _options.SampledTraces);
        var result = InvokeAsync(function, request);
        return new PendingInvocation<InvocationResult>(request.InvocationId, function.Name, Task.CompletedTask, result, CancelAsync);
    }

    /// <summary>Sends InvocationCancel and waits for the worker's bare reply.</summary>
    public async Task CancelAsync(string invocationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(invocationId);
        ThrowIfUnusable();
        await _connection.CancelAsync(invocationId).WaitAsync(ReplyTimeout);
    }

    /// <summary>
    /// Stops the worker as the host does: WorkerTerminate with the grace period (only to a worker reporting
    /// HandlesWorkerTerminateMessage), then waits that long for it to exit, and kills it if it has not.
    /// </summary>
    /// <returns>The worker's exit code.</returns>
    public async Task<int> StopAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_process.HasExited && !_connection.Closed.IsCompleted && WorkerCapabilities.ContainsKey(HandlesWorkerTerminateCapability))
        {
            var reply = _connection.TerminateAsync(_options.TerminateGracePeriod);
            _ = reply.ContinueWith(static task => task.Exception, TaskScheduler.Default); // the stream may close before the reply
            await Task.WhenAny(_process.Exited, Task.Delay(_options.TerminateGracePeriod));
        }

        if (!_process.HasExited)
        {
            WasKilled = true;
            _process.Kill();
        }

        return await _process.Exited.WaitAsync(ReplyTimeout);
    }

    /// <summary>Waits for the worker to exit by itself (e.g. after a fatal error) and returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.Exited.WaitAsync(timeout);

    /// <summary>Kills the worker if it still runs, ends the stream and stops the gRPC server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            WasKilled = true;
            _process.Kill();
        }

        try
        {
            await _process.Exited.WaitAsync(ReplyTimeout);
        }
        catch (TimeoutException)
        {
            // Killed but not reaped in time: nothing more to do from here.
        }

        _forwarder?.Dispose();
        await _server.DisposeAsync();
        _process.Dispose();
    }

    private async Task<HttpInvocationResult> SendHttpCoreAsync(
        HttpRequestMessage request, Uri uri, HttpRoute route, RouteValueDictionary routeValues, string invocationId,
        TaskCompletionSource sent, HttpForwarder forwarder)
    {
        Task<InvocationResult> invocation;
        Task<HttpResponseMessage> forwarding;
        using var deadline = new CancellationTokenSource(_options.InvocationTimeout);
        try
        {
            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync();
            var headers = HttpForwarder.IncomingHeaders(request, uri, body);
            var metadataHeaders = headers
                .GroupBy(header => header.Key, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(same => same.Key, same => HttpForwarder.Joined(same.SelectMany(header => header.Value)), StringComparer.OrdinalIgnoreCase);
            var invocationRequest = InvocationRequests.Http(
                route.Function, route.TriggerName, HttpTriggerMetadata.Build(uri.Query, routeValues, metadataHeaders, body), invocationId, _options.SampledTraces);

            // The host's order: the forwarding starts first, then the InvocationRequest goes out.
            forwarding = forwarder.ForwardAsync(new HttpForwarder.IncomingRequest(request.Method, uri, headers, body, "127.0.0.1"), invocationId, deadline.Token);
            invocation = InvokeAsync(route.Function, invocationRequest);
        }
        finally
        {
            sent.TrySetResult();
        }

        HttpResponseMessage? response = null;
        Exception? forwardingError = null;
        try
        {
            response = await forwarding;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or InvalidOperationException)
        {
            forwardingError = ex; // the invocation's own outcome is still awaited and reported
        }

        var result = await invocation;
        var text = response is null ? string.Empty : await response.Content.ReadAsStringAsync();
        return new HttpInvocationResult(result, response, text, forwardingError);
    }

    private async Task<InvocationResult> InvokeAsync(IndexedFunction function, InvocationRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await _connection.InvokeAsync(request).WaitAsync(_options.InvocationTimeout);
            return InvocationResult.From(response.InvocationResponse, function.Name, Stopwatch.GetElapsedTime(started));
        }
        catch (TimeoutException ex)
        {
            _connection.Forget(request.InvocationId);
            throw new TimeoutException($"{function.Name} invocation {request.InvocationId}: no InvocationResponse within {_options.InvocationTimeout}.", ex);
        }
        catch (IOException ex)
        {
            var exit = ExitCode is { } code ? $" (the worker exited with code {code})" : string.Empty;
            throw new InvalidOperationException($"{function.Name} invocation {request.InvocationId}: the worker's stream closed before its InvocationResponse{exit}.", ex);
        }
    }

    /// <summary>A trigger's <c>%Name%</c> app-setting expression resolved as the host does (<c>:</c> read as <c>__</c>); anything else as is.</summary>
    private string? ResolveSetting(string? value)
    {
        if (value is not { Length: > 2 } || value[0] != '%' || value[^1] != '%')
        {
            return value;
        }

        var name = value[1..^1];
        var variable = name.Replace(":", "__", StringComparison.Ordinal);
        return _options.AppSettings.TryGetValue(variable, out var setting) || _options.AppSettings.TryGetValue(name, out setting)
            ? setting
            : Environment.GetEnvironmentVariable(variable);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_connection.Closed.IsCompleted)
        {
            var exit = ExitCode is { } code ? $"; it exited with code {code}" : string.Empty;
            throw new InvalidOperationException($"The worker's EventStream is closed{exit}.");
        }
    }

    private static void ThrowIfNotLoaded(IndexedFunction function)
    {
        if (function.LoadError is { } error)
        {
            throw new InvalidOperationException($"The worker refused to load {function.Name}: {error}. The host does not invoke such a function.");
        }
    }
}
