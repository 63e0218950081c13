namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>How <see cref="FunctionsHostPeer"/> starts a worker and how long it waits for it.</summary>
public sealed class FunctionsHostOptions
{
    /// <summary>The real host's grace period for WorkerTerminate (WorkerConstants.WorkerTerminateGracePeriodInSeconds).</summary>
    public static readonly TimeSpan HostTerminateGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>The worker assembly, e.g. <c>.../bin/Debug/net10.0/MyApp.dll</c>; its folder is the function app folder.</summary>
    public required string WorkerPath { get; init; }

    /// <summary>
    /// App settings, passed as environment variables on top of this process's environment (as the host does);
    /// a null value removes an inherited variable.
    /// </summary>
    public IDictionary<string, string?> AppSettings { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Capabilities the peer announces in WorkerInitRequest (none by default).</summary>
    public IDictionary<string, string> HostCapabilities { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The <c>dotnet</c> executable; by default the SDK's (DOTNET_HOST_PATH) or <c>dotnet</c> on PATH.</summary>
    public string? DotnetPath { get; init; }

    public string HostVersion { get; init; } = "4.0.0";

    /// <summary>
    /// The address clients are taken to have called, for relative request URIs: it gives the Host seen by the
    /// function (through X-Forwarded-Host) and the scheme (X-Forwarded-Proto). Core Tools' default by default.
    /// </summary>
    public Uri PublicBaseAddress { get; init; } = new("http://localhost:7071/");

    /// <summary>From process start to the last FunctionLoadResponse.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an invocation (and its proxied HTTP exchange) may take before the peer gives up waiting.</summary>
    public TimeSpan InvocationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Sent in WorkerTerminate; the peer waits this long for the worker to exit, then kills it.</summary>
    public TimeSpan TerminateGracePeriod { get; init; } = HostTerminateGracePeriod;

    /// <summary>
    /// Whether each InvocationRequest's trace parent says "sampled" (flags 01), as from a host whose own invocation span
    /// is recorded (exporting to Application Insights), so the worker records its spans under it. Off by default (flags
    /// 00): a host that records nothing, as under Core Tools without a connection string.
    /// </summary>
    public bool SampledTraces { get; init; }

    /// <summary>The gRPC message size limit both sides use (the host's default: int.MaxValue).</summary>
    public int MaxMessageLength { get; init; } = int.MaxValue;
}
