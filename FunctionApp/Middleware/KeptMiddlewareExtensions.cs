using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Middleware;

/// <summary>
/// The Worker's <c>UseMiddleware&lt;T&gt;</c> registers the middleware as a singleton and then looks it up in the
/// invocation's services on every invocation. The app's middleware are registered the same way, but each step keeps
/// the instance it resolved on its first invocation: the same singleton, without a container lookup per middleware per
/// invocation.
/// </summary>
internal static class KeptMiddlewareExtensions
{
    public static IFunctionsWorkerApplicationBuilder UseKeptMiddleware<T>(this IFunctionsWorkerApplicationBuilder builder)
        where T : class, IFunctionsWorkerMiddleware
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<T>();
        return builder.Use(next =>
        {
            // Two first invocations racing both resolve the one singleton; either write keeps it.
            T? middleware = null;
            return context => (middleware ??= context.InstanceServices.GetRequiredService<T>()).Invoke(context, next);
        });
    }
}
