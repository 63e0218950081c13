using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 9: cold start, <c>Main</c> to the first <c>SELECT 1</c> done, each in a fresh process (this program started
/// again with <see cref="ChildArgument"/>) with the app settings as environment variables, as in Azure. The app: build
/// the worker's host from Program.cs's statements (the start-up login begun, which gets the first token and logs in
/// meanwhile; the ASP.NET Core integration, the middleware, the app's services
/// with production logging and OpenTelemetry exporting), validate the settings as Program.cs does, build the
/// telemetry providers as the host's start does, then one invocation through the unit of work whose function runs
/// <c>SELECT 1</c> — its token from <c>ManagedIdentityCredential</c> via the identity endpoint peer. The worker's own
/// start (its gRPC connection to the host, its HTTP listener, indexing) is not in it: that is the platform's, with or
/// without the app. The baseline: a bare <c>SqlConnection</c> whose token comes from the same credential with the
/// same options — get the token, open with it in <c>AccessToken</c>, <c>SELECT 1</c>. Both over the production
/// connection string (TLS, the peer's certificate validated). Rounds alternate the two; the verdict reads the median
/// of the rounds' ratios: at most 1.2. Both sides run the same files, so they are always compiled alike: IL for the
/// JIT under <c>dotnet run</c>, ReadyToRun code when the benchmarks are published as the app is (a detail line says which).
/// </summary>
internal static class ColdStartTarget
{
    public const int Number = 9;
    public const string ChildArgument = "--cold-start-child";
    private const double RatioLimit = 1.2;
    private const string ResultPrefix = "cold-start-ms ";
    private const string PhasePrefix = "cold-start-phase ";
    private static long s_startedAt;
    private static TimeSpan s_selectOneDone;

    public static async Task<(TargetResult Result, IReadOnlyList<string> Details)> RunAsync(RunMode mode)
    {
        var rounds = mode.Quick ? 13 : 21;
        await using var peers = AppPeers.Start();
        peers.Issuer.TokenLifetime = TimeSpan.FromHours(12);
        await peers.StartManagedIdentityAsync(); // IDENTITY_ENDPOINT / IDENTITY_HEADER: the children inherit them
        await peers.StartIngestionAsync();
        (string, string?)[] settings =
        [
            .. ApiSignIn.Shared.Settings,
            ("Sql__ConnectionString", peers.ProductionConnectionString()),
            ("Sql__Credential", "ManagedIdentity"),
            ("Maintenance__PurgeSchedule", "0 0 3 * * *"),
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", peers.Ingestion!.ConnectionString),
        ];

        // One of each first: the disk cache and the peers warm up for all alike.
        string[] kinds = ["bare", "app", "worker"];
        var times = kinds.ToDictionary(kind => kind, _ => new List<double>(rounds), StringComparer.Ordinal);
        var phases = kinds.ToDictionary(kind => kind, _ => new Dictionary<string, List<double>>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var kind in kinds)
        {
            await ChildAsync(kind, settings);
        }

        var ratios = new List<double>(rounds);
        var overWorker = new List<double>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            // The order rotates every round, so each kind starts first, second and third alike.
            for (var k = 0; k < kinds.Length; k++)
            {
                var kind = kinds[(round + k) % kinds.Length];
                times[kind].Add(await ChildAsync(kind, settings, phases[kind]));
            }

            ratios.Add(times["app"][round] / times["bare"][round]);
            overWorker.Add(times["app"][round] / times["worker"][round]);
        }

        var ratio = Percentiles.Median(ratios);
        var result = new TargetResult(
            Number,
            $"cold start, Main to the first SELECT 1, vs a bare connection with the same credential, {rounds} rounds",
            $"ratio {ratio:F2} (rounds' interquartile range {Percentiles.Of(ratios, 25):F2}–{Percentiles.Of(ratios, 75):F2}; app {Percentiles.Median(times["app"]):F0} ms, bare {Percentiles.Median(times["bare"]):F0} ms) (limit: ≤ {RatioLimit:F1})",
            ratio <= RatioLimit);
        return (result,
        [
            $"  build: the app's assembly {ReadyToRun.Describe(typeof(AppStartup).Assembly)}, SqlClient {ReadyToRun.Describe(typeof(SqlConnection).Assembly)}, Azure.Identity {ReadyToRun.Describe(typeof(ManagedIdentityCredential).Assembly)}, the benchmark's own {ReadyToRun.Describe(typeof(ColdStartTarget).Assembly)} "
            + "(the deployed app is published ReadyToRun; `dotnet publish -c Release FunctionApp.Benchmarks -o DIR`, then `dotnet DIR/FunctionApp.Benchmarks.dll`, measures both sides that way)",
            $"  where the time goes, median ms from Main at the end of each phase — app: {Describe(phases["app"])}; bare: {Describe(phases["bare"])}",
            $"  not judged: an empty worker (the same builder, ASP.NET Core integration and host build, no app) then the bare connection: {Percentiles.Median(times["worker"]):F0} ms ({Describe(phases["worker"])}); "
            + $"the app over it: ratio {Percentiles.Median(overWorker):F2} (rounds' interquartile range {Percentiles.Of(overWorker, 25):F2}–{Percentiles.Of(overWorker, 75):F2})",
        ]);
    }

    private static string Describe(Dictionary<string, List<double>> phases) =>
        string.Join(", ", phases.Select(phase => $"{phase.Key} {Percentiles.Median(phase.Value):F0}"));

    /// <summary>The child's side: measures from here (just inside <c>Main</c>) to the first <c>SELECT 1</c> done, and prints it.</summary>
    public static async Task<int> RunChildAsync(string kind, long startedAt)
    {
        s_startedAt = startedAt;
        switch (kind)
        {
            case "app":
                await AppFirstSelectOneAsync();
                break;
            case "bare":
                await BareFirstSelectOneAsync();
                break;
            case "worker":
                await EmptyWorkerThenBareAsync();
                break;
            default:
                await Console.Error.WriteLineAsync($"unknown cold start kind '{kind}'");
                return 2;
        }

        // The clock stopped when the first SELECT 1 was done; disposing the host (which flushes telemetry) comes after.
        var elapsed = s_selectOneDone;
        Console.WriteLine(ResultPrefix + elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
        return 0;
    }

    private static async Task AppFirstSelectOneAsync()
    {
        // Program.cs's statements one by one (ShippedProgram.Configure), each phase's end reported.
        var startupLogin = SqlStartupLogin.BeginFromAppSettings();
        _ = startupLogin.Completion.ContinueWith(_ => Phase("(start-up login done)"), TaskScheduler.Default);
        var builder = FunctionsApplication.CreateBuilder([]);
        Phase("worker builder");
        builder.ConfigureFunctionsWebApplication();
        Phase("ASP.NET Core integration");
        ShippedProgram.UseAppMiddleware(builder);
        builder.Services.AddAzureSqlFunctions(builder.Configuration, startupLogin);
        Phase("app registrations");
        using var host = builder.Build();
        Phase("host build");
        AppStartup.ValidateSettings(host.Services);
        Phase("app settings and SQL path");
        _ = host.Services.GetService<OpenTelemetry.Metrics.MeterProvider>();
        _ = host.Services.GetService<OpenTelemetry.Trace.TracerProvider>();
        _ = host.Services.GetService<OpenTelemetry.Logs.LoggerProvider>();
        Phase("telemetry providers");

        var pipeline = ShippedProgram.UnitOfWorkAround(static context => ShippedBench.SelectOneAsync(context.GetInvocationConnection()));
        using var scope = host.Services.CreateScope();
        using var cancellation = new CancellationTokenSource();
        var definition = new TestFunctionDefinition("ColdStart", "ColdStart.Run", "request", "httpTrigger");
        var context = AppUnderTest.CreateContext(definition, new DefaultHttpContext { RequestServices = scope.ServiceProvider }, scope.ServiceProvider, cancellation.Token);
        await pipeline(context);
        SelectOneDone("first invocation");
    }

    /// <summary>What the platform costs without the app: the worker's builder, integration and host, then the bare connection.</summary>
    private static async Task EmptyWorkerThenBareAsync()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        using var host = builder.Build();
        Phase("empty worker host build");
        await BareFirstSelectOneAsync();
    }

    private static async Task BareFirstSelectOneAsync()
    {
        var credential = new ManagedIdentityCredential(TokenCredentialFactory.ManagedIdentityOptions(null));
        var token = await credential.GetTokenAsync(new TokenRequestContext([AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience)]), CancellationToken.None);
        Phase("token");
        await using var connection = new SqlConnection(Environment.GetEnvironmentVariable("Sql__ConnectionString")) { AccessToken = token.Token };
        await connection.OpenAsync();
        await using var command = new SqlCommand("SELECT 1", connection);
        if (await command.ExecuteScalarAsync() is not 1)
        {
            throw new InvalidOperationException("SELECT 1 did not read 1.");
        }

        SelectOneDone("open and SELECT 1");
    }

    /// <summary>The end of the measurement: the first <c>SELECT 1</c> is done (reported as the last phase).</summary>
    private static void SelectOneDone(string phase)
    {
        s_selectOneDone = Stopwatch.GetElapsedTime(s_startedAt);
        Phase(phase);
    }

    /// <summary>The time from Main to the end of a phase, for the parent's breakdown.</summary>
    private static void Phase(string name) =>
        Console.WriteLine(PhasePrefix + name + "=" + Stopwatch.GetElapsedTime(s_startedAt).TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));

    private static async Task<double> ChildAsync(string kind, IEnumerable<(string Key, string? Value)> settings, Dictionary<string, List<double>>? phases = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(ColdStartTarget).Assembly.Location); // the muxer runs the assembly (not the apphost)
        }

        start.ArgumentList.Add(ChildArgument);
        start.ArgumentList.Add(kind);
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("The cold start child did not start.");
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        var lines = (await output).Split('\n').Select(l => l.Trim()).ToList();
        var line = lines.LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        foreach (var phase in lines.Where(l => l.StartsWith(PhasePrefix, StringComparison.Ordinal)).Select(l => l[PhasePrefix.Length..].Split('=')))
        {
            if (phases is not null)
            {
                if (!phases.TryGetValue(phase[0], out var values))
                {
                    phases[phase[0]] = values = [];
                }

                values.Add(double.Parse(phase[1], CultureInfo.InvariantCulture));
            }
        }

        if (child.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"The cold start child ({kind}) failed with exit code {child.ExitCode}: {await errors}");
        }

        return double.Parse(line[ResultPrefix.Length..], CultureInfo.InvariantCulture);
    }
}
