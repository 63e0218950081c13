using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Cors;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// FunctionApp/Program.cs's statements, so the harness can build the worker's own host in process (keep the two in
/// step): the start-up login begun, the ASP.NET Core integration, then the app's middleware in Program.cs's order, then
/// the app's services.
/// </summary>
internal static class ShippedProgram
{
    /// <param name="builder">The worker's builder, its configuration complete.</param>
    /// <param name="loginAtStartup">
    /// False when the harness substitutes the credential or the clock: a start-up login would ask the credential the
    /// settings name, which the app then does not use.
    /// </param>
    public static void Configure(FunctionsApplicationBuilder builder, bool loginAtStartup = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Program.cs begins it from the environment, before the builder exists; the harness's settings live in the
        // builder's configuration instead, so it begins from there (the same values, the same login).
        var startupLogin = loginAtStartup ? SqlStartupLogin.Begin(builder.Configuration) : null;
        builder.ConfigureFunctionsWebApplication();
        UseAppMiddleware(builder);
        builder.Services.AddAzureSqlFunctions(builder.Configuration, startupLogin);
    }

    /// <summary>Program.cs's <c>UseKeptMiddleware</c> calls, in its order.</summary>
    public static void UseAppMiddleware(IFunctionsWorkerApplicationBuilder builder)
    {
        builder.UseKeptMiddleware<ExposedHeadersMiddleware>();
        builder.UseKeptMiddleware<BearerTokenMiddleware>();
        builder.UseKeptMiddleware<UnitOfWorkMiddleware>();
    }

    /// <summary>
    /// The app's middleware around <paramref name="function"/> as the worker chains it: the steps are made by
    /// Program.cs's <c>UseKeptMiddleware&lt;T&gt;</c> (each resolves its singleton from the first invocation's services
    /// and keeps it) and folded the way the Worker's pipeline builder folds them. The middleware must be registered in the
    /// invocation's container, as <see cref="Configure"/> does.
    /// </summary>
    public static FunctionExecutionDelegate AppMiddlewareAround(FunctionExecutionDelegate function) => Around(function, UseAppMiddleware);

    /// <summary>Only the unit of work's step (Program.cs's last <c>UseMiddleware</c>) around <paramref name="function"/>, chained the same way.</summary>
    public static FunctionExecutionDelegate UnitOfWorkAround(FunctionExecutionDelegate function) =>
        Around(function, static builder => builder.UseKeptMiddleware<UnitOfWorkMiddleware>());

    private static FunctionExecutionDelegate Around(FunctionExecutionDelegate function, Action<IFunctionsWorkerApplicationBuilder> use)
    {
        var steps = new StepRecorder();
        use(steps);
        var pipeline = function;
        for (var i = steps.Steps.Count - 1; i >= 0; i--)
        {
            pipeline = steps.Steps[i](pipeline);
        }

        return pipeline;
    }

    private sealed class StepRecorder : IFunctionsWorkerApplicationBuilder
    {
        public List<Func<FunctionExecutionDelegate, FunctionExecutionDelegate>> Steps { get; } = [];

        // UseKeptMiddleware<T> also registers T here; the real registration is the app container's.
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IFunctionsWorkerApplicationBuilder Use(Func<FunctionExecutionDelegate, FunctionExecutionDelegate> middleware)
        {
            Steps.Add(middleware);
            return this;
        }
    }
}
