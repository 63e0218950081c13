using System.Reflection;
using System.Text;
using Azure.Core;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Cors;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// The app in-process, as the worker runs it: the app's own container (Program.cs's registrations and startup
/// validation), its real <see cref="UnitOfWorkMiddleware"/>, and its real functions found through the worker's index.
/// An HTTP invocation goes the way ASP.NET Core integration takes it: the request becomes an <see cref="HttpContext"/>
/// in <see cref="FunctionContext.Items"/>, the middleware runs the function, and the invocation's result (an
/// <see cref="IResult"/>) is written to the response afterwards. Log lines are kept by FakeLogger.
/// The app's middleware run in Program.cs's order: <see cref="ExposedHeadersMiddleware"/>, <see cref="BearerTokenMiddleware"/>,
/// then the unit of work. Every
/// HTTP request is sent with a valid token of <see cref="ApiSignIn.DefaultUser"/> unless it carries its own
/// Authorization header or <see cref="SendsTokenByDefault"/> is off.
/// </summary>
internal sealed class AppUnderTest : IAsyncDisposable
{
    /// <summary>Where ASP.NET Core integration keeps the invocation's HttpContext (the Worker's own key).</summary>
    private const string HttpContextKey = "HttpRequestContext";

    private static readonly FunctionCatalog Catalog = FunctionCatalog.Load();
    private static readonly TestFunctionDefinition AdHocHttp = new("TestHttpFunction", "Tests.Http", "request", "httpTrigger");
    private static readonly TestFunctionDefinition AdHocTimer = new("TestTimerFunction", "Tests.Timer", "timer", "timerTrigger");

    private readonly IServiceProvider _services;
    private readonly IAsyncDisposable _owner;
    private readonly ExposedHeadersMiddleware _exposedHeaders;
    private readonly BearerTokenMiddleware _bearer;
    private readonly UnitOfWorkMiddleware _middleware;
    private readonly Dictionary<string, TestFunctionDefinition> _definitions;

    private AppUnderTest(ServiceProvider services, ApiSignIn signIn)
    {
        _services = services;
        _owner = services;
        SignIn = signIn;
        _exposedHeaders = new ExposedHeadersMiddleware();
        _bearer = ActivatorUtilities.CreateInstance<BearerTokenMiddleware>(services);
        _middleware = ActivatorUtilities.CreateInstance<UnitOfWorkMiddleware>(services);
        _definitions = Catalog.Functions.ToDictionary(f => f.Name, TestFunctionDefinition.From, StringComparer.Ordinal);
    }

    private AppUnderTest(IHost host, ApiSignIn signIn)
    {
        _services = host.Services;
        _owner = host as IAsyncDisposable ?? throw new InvalidOperationException("The worker's host is not IAsyncDisposable.");
        SignIn = signIn;
        IsShipped = true;
        // The singletons Program.cs's UseKeptMiddleware<T> registered: the instances the worker would run.
        _exposedHeaders = host.Services.GetRequiredService<ExposedHeadersMiddleware>();
        _bearer = host.Services.GetRequiredService<BearerTokenMiddleware>();
        _middleware = host.Services.GetRequiredService<UnitOfWorkMiddleware>();
        _definitions = Catalog.Functions.ToDictionary(f => f.Name, TestFunctionDefinition.From, StringComparer.Ordinal);
    }

    public IServiceProvider Services => _services;

    /// <summary>
    /// Whether this is the worker's own host (<see cref="StartAsShipped"/>): production logging and telemetry, and the
    /// app's middleware registered as Program.cs registers it.
    /// </summary>
    public bool IsShipped { get; }

    /// <summary>The sign-in the app trusts (its <c>Auth__…</c> settings point at it).</summary>
    public ApiSignIn SignIn { get; }

    /// <summary>
    /// On (the default): a request without an Authorization header gets a valid token of the sign-in's default user,
    /// so tests of other features need not sign in. Auth tests turn it off.
    /// </summary>
    public bool SendsTokenByDefault { get; set; } = true;

    /// <summary>The app's unit-of-work middleware, as the worker holds it (one instance for the app).</summary>
    public UnitOfWorkMiddleware Middleware => _middleware;

    /// <summary>
    /// A context for an ad-hoc HTTP (or timer) function, for driving <see cref="Middleware"/> directly (benchmarks):
    /// the app's root services, no HttpContext, a bindings feature that keeps the result.
    /// </summary>
    public FunctionContext CreateContext(bool http = true, CancellationToken cancellation = default)
    {
        var features = new InvocationFeatures();
        InvocationBindings.AddTo(features);
        return new TestFunctionContext(http ? AdHocHttp : AdHocTimer, _services, features, cancellation);
    }

    /// <summary>Every log line the app wrote, with level, category, message, structured state and scopes (not in <see cref="IsShipped"/> mode).</summary>
    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    /// <summary>The functions as the worker indexes them.</summary>
    public static IReadOnlyList<IndexedFunction> Functions => Catalog.Functions;

    public static string RoutePrefix => Catalog.RoutePrefix;

    /// <summary>
    /// Builds the app over <paramref name="settings"/> (app-setting keys such as <c>Sql__ConnectionString</c>) and
    /// validates them as Program.cs does; a bad setting throws the app's own <see cref="AppSettingException"/>.
    /// </summary>
    /// <param name="credential">Null: the app builds the credential <c>Sql__Credential</c> names, as in production.</param>
    /// <param name="time">The app's clock (shared with a test's token issuer to rotate tokens without waiting).</param>
    /// <param name="configure">Registrations made before the app's own (the app only adds what is not there yet).</param>
    /// <param name="signIn">The sign-in the app trusts; <see cref="ApiSignIn.Shared"/> by default. Its settings come first, so a test's own win.</param>
    public static AppUnderTest Start(
        IEnumerable<(string Key, string? Value)> settings,
        TokenCredential? credential = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? configure = null,
        ApiSignIn? signIn = null)
    {
        signIn ??= ApiSignIn.Shared;
        var configuration = AppSettings.Configuration([.. signIn.Settings, ("Maintenance__PurgeSchedule", "0 0 3 * * *"), .. settings]);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        if (credential is not null)
        {
            services.AddSingleton(credential);
        }

        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        configure?.Invoke(services);
        services.AddAzureSqlFunctions(configuration);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            AppStartup.ValidateSettings(provider);
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return new AppUnderTest(provider, signIn);
    }

    /// <summary>
    /// The app built as the worker builds it to run in Azure — <c>FunctionsApplication.CreateBuilder</c> and Program.cs's
    /// statements (<see cref="ShippedProgram"/>), so its logging providers are the worker's and OpenTelemetry is on as
    /// Program.cs turns it on (with <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> among the settings: the Azure Monitor
    /// exporters and the worker's defaults) — then validated as Program.cs does. Not started: nothing connects to a
    /// host; invocations run through the same middleware instances the worker would run.
    /// </summary>
    /// <param name="settings">App settings, as environment variables in Azure (later ones win).</param>
    /// <param name="credential">Null: the credential <c>Sql__Credential</c> names, as in production.</param>
    /// <param name="time">The app's clock; null for the system clock.</param>
    /// <param name="signIn">The sign-in the app trusts; <see cref="ApiSignIn.Shared"/> by default.</param>
    public static AppUnderTest StartAsShipped(
        IEnumerable<(string Key, string? Value)> settings,
        TokenCredential? credential = null,
        TimeProvider? time = null,
        ApiSignIn? signIn = null)
    {
        signIn ??= ApiSignIn.Shared;
        var builder = Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddConfiguration(AppSettings.Configuration([.. signIn.Settings, ("Maintenance__PurgeSchedule", "0 0 3 * * *"), .. settings]));
        if (credential is not null)
        {
            builder.Services.AddSingleton(credential);
        }

        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        ShippedProgram.Configure(builder, loginAtStartup: credential is null && time is null);
        var host = builder.Build();
        try
        {
            AppStartup.ValidateSettings(host.Services);
            // What OpenTelemetry's hosted service does when the worker's host starts: build the providers, which then
            // listen to the app's meter and SqlClient's and the worker's activities (and export, when configured).
            _ = host.Services.GetService<OpenTelemetry.Metrics.MeterProvider>();
            _ = host.Services.GetService<OpenTelemetry.Trace.TracerProvider>();
            _ = host.Services.GetService<OpenTelemetry.Logs.LoggerProvider>();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new AppUnderTest(host, signIn);
    }

    /// <summary>
    /// The app's middleware around <paramref name="function"/>, chained as the worker chains Program.cs's
    /// <c>UseKeptMiddleware</c> calls (<see cref="ShippedProgram.AppMiddlewareAround"/>); only in <see cref="IsShipped"/>
    /// mode, where the container holds them as the worker's does. For benchmarks: run it with
    /// <see cref="CreateContext(FunctionDefinition, HttpContext?, IServiceProvider, CancellationToken)"/>.
    /// </summary>
    public FunctionExecutionDelegate Pipeline(FunctionExecutionDelegate function)
    {
        if (!IsShipped)
        {
            throw new InvalidOperationException("Pipeline needs the worker's container: use StartAsShipped.");
        }

        return ShippedProgram.AppMiddlewareAround(function);
    }

    /// <summary>As <see cref="Pipeline"/>, with only the unit of work's step: the SQL middleware on its own.</summary>
    public FunctionExecutionDelegate UnitOfWorkPipeline(FunctionExecutionDelegate function)
    {
        if (!IsShipped)
        {
            throw new InvalidOperationException("UnitOfWorkPipeline needs the worker's container: use StartAsShipped.");
        }

        return ShippedProgram.UnitOfWorkAround(function);
    }

    /// <summary>The definition the worker builds for the app's function <paramref name="name"/> (from its index entry).</summary>
    public FunctionDefinition Definition(string name) => _definitions[name];

    /// <summary>
    /// A context for <paramref name="definition"/> as the worker makes one for each invocation: a fresh item
    /// dictionary holding <paramref name="http"/> where the ASP.NET Core integration puts it, the given services, a
    /// bindings feature that keeps the result, and the host's cancellation.
    /// </summary>
    public static FunctionContext CreateContext(FunctionDefinition definition, HttpContext? http, IServiceProvider services, CancellationToken cancellation = default)
    {
        var features = new InvocationFeatures();
        InvocationBindings.AddTo(features);
        var context = new TestFunctionContext(definition, services, features, cancellation);
        if (http is not null)
        {
            context.Items.Add(HttpContextKey, http);
        }

        return context;
    }

    /// <summary>Sends a request the way the host proxies it; routing by the indexed routes under host.json's prefix.</summary>
    public async Task<HttpAnswer> SendAsync(TestRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = NewHttpContext(request);
        var match = Catalog.Match(request.Method, http.Request.Path)
            ?? throw new InvalidOperationException($"No function of the app answers {request.Method} {request.Target} (the real host would answer 404).");
        var method = FunctionCatalog.EntryMethod(match.Function);
        http.Request.RouteValues = match.Values;

        var result = await InvokeAsync(_definitions[match.Function.Name], http, context => CallAsync(method, context, http, match.Values), cancellation);
        return await WriteAsync(http, result);
    }

    /// <summary>Runs the named timer function through the middleware; its failure propagates, as to the host's retry policy.</summary>
    public async Task InvokeTimerAsync(string function, CancellationToken cancellation = default)
    {
        var indexed = Catalog.Named(function);
        var method = FunctionCatalog.EntryMethod(indexed);
        await InvokeAsync(_definitions[function], null, context => CallAsync(method, context, null, null), cancellation);
    }

    /// <summary>
    /// An ad-hoc HTTP function under the real middleware, for tests of the unit of work itself: <paramref name="body"/>
    /// gets the invocation's connection and answers an <see cref="IResult"/> (null: 204).
    /// </summary>
    public Task<HttpAnswer> RunHttpAsync(Func<InvocationConnection, Task<IResult?>> body, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunHttpAsync(TestRequest.Get("/api/test"), context => body(context.GetInvocationConnection()), cancellation);
    }

    /// <summary>
    /// An ad-hoc HTTP function (one that requires a token) receiving <paramref name="request"/> under the app's real
    /// middleware: <paramref name="body"/> gets the invocation's context (its caller, its connection).
    /// </summary>
    public async Task<HttpAnswer> RunHttpAsync(TestRequest request, Func<FunctionContext, Task<IResult?>> body, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        var http = NewHttpContext(request);
        var result = await InvokeAsync(AdHocHttp, http, async context => await body(context) ?? Results.NoContent(), cancellation);
        return await WriteAsync(http, result);
    }

    /// <summary>An ad-hoc timer function under the real middleware: failures propagate.</summary>
    public async Task RunTimerAsync(Func<InvocationConnection, Task> body, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        await InvokeAsync(AdHocTimer, null, async context =>
        {
            await body(context.GetInvocationConnection());
            return null;
        }, cancellation);
    }

    /// <summary>An ad-hoc timer invocation that runs <c>SELECT 1</c> on its connection and returns what it read.</summary>
    public async Task<int> SelectOneAsync(CancellationToken cancellation = default)
    {
        var result = 0;
        await RunTimerAsync(async sql => result = await SelectOne(sql), cancellation);
        return result;
    }

    /// <summary><c>SELECT 1</c> on the invocation's connection (in its transaction, if one was begun).</summary>
    public static async Task<int> SelectOne(InvocationConnection sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var connection = await sql.GetOpenConnectionAsync();
        await using var command = new Microsoft.Data.SqlClient.SqlCommand("SELECT 1", connection, sql.Transaction);
        return (int)(await command.ExecuteScalarAsync(sql.CancellationToken))!;
    }

    public async ValueTask DisposeAsync() => await _owner.DisposeAsync();

    private async Task<object?> InvokeAsync(TestFunctionDefinition definition, HttpContext? http, Func<FunctionContext, Task<object?>> function, CancellationToken cancellation)
    {
        // The worker gives every invocation its own service scope; ASP.NET Core integration makes it the request's.
        await using var scope = _services.CreateAsyncScope();
        var features = new InvocationFeatures();
        var bindings = InvocationBindings.AddTo(features);
        var context = new TestFunctionContext(definition, scope.ServiceProvider, features, cancellation);
        if (http is not null)
        {
            http.RequestServices = scope.ServiceProvider;
            context.Items[HttpContextKey] = http;
        }

        // Program.cs's order: exposed headers, the token gate, the unit of work, the function.
        await _exposedHeaders.Invoke(context, exposed => _bearer.Invoke(exposed, c => _middleware.Invoke(c, async invoked => bindings.InvocationResult = await function(invoked))));
        var result = bindings.InvocationResult;
        if (http is not null && result is IResult written)
        {
            // Within the scope, as the integration writes it: the result's services are the invocation's.
            await written.ExecuteAsync(http);
            return null;
        }

        return result;
    }

    /// <summary>Binds the function's parameters as the worker does for these triggers, then calls it.</summary>
    private static async Task<object?> CallAsync(MethodInfo method, FunctionContext context, HttpContext? http, Microsoft.AspNetCore.Routing.RouteValueDictionary? route)
    {
        var arguments = method.GetParameters().Select<ParameterInfo, object?>(parameter => parameter.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => http?.Request,
            var t when t == typeof(FunctionContext) => context,
            var t when t == typeof(TimerInfo) => new TimerInfo(),
            var t when t == typeof(string) => route?.TryGetValue(parameter.Name!, out var value) == true ? value?.ToString() : null,
            _ => throw new NotSupportedException($"The test host cannot bind {parameter.ParameterType.Name} {parameter.Name}."),
        }).ToArray();
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.InstanceServices, method.DeclaringType!);
        var task = (Task)method.Invoke(instance, arguments)!;
        await task;
        // Task<IResult> for HTTP functions: the result; a plain Task (timer) has none.
        return method.ReturnType.IsGenericType ? method.ReturnType.GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
    }

    private DefaultHttpContext NewHttpContext(TestRequest request)
    {
        var http = new DefaultHttpContext();
        var target = request.Target;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        http.Request.Method = request.Method;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("localhost");
        http.Request.Path = query < 0 ? target : target[..query];
        http.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(target[query..]);
        foreach (var (name, value) in request.Headers)
        {
            http.Request.Headers.Append(name, value);
        }

        if (SendsTokenByDefault && !http.Request.Headers.ContainsKey("Authorization"))
        {
            http.Request.Headers.Authorization = "Bearer " + SignIn.DefaultUserToken;
        }

        if (request.Body is { } body)
        {
            http.Request.Body = body;
            if (body.CanSeek)
            {
                http.Request.ContentLength = body.Length;
            }
        }

        http.Response.Body = new MemoryStream();
        return http;
    }

    private static async Task<HttpAnswer> WriteAsync(HttpContext http, object? unwritten)
    {
        if (unwritten is not null)
        {
            throw new InvalidOperationException($"The function returned {unwritten.GetType().Name}, which ASP.NET Core integration does not write.");
        }

        await http.Response.Body.FlushAsync();
        var body = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        var headers = http.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new HttpAnswer(http.Response.StatusCode, headers, body);
    }
}
