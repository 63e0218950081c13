using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureSqlFunctions.Cors;

/// <summary>
/// Lets browser scripts on allowed origins read the headers the API answers with — <c>ETag</c> (for If-Match),
/// <c>Location</c> (of a created todo) and <c>Retry-After</c> (of a 503) — which CORS hides unless the response names
/// them in <c>Access-Control-Expose-Headers</c>. The Functions host (Core Tools' <c>Host.CORS</c>, or the platform's
/// <c>siteConfig.cors</c> in Azure) answers preflights and adds <c>Access-Control-Allow-Origin</c>, but cannot be told
/// which headers to expose; so the app adds that header to every HTTP response.
/// </summary>
internal sealed class ExposedHeadersMiddleware : IFunctionsWorkerMiddleware
{
    public const string HeaderName = "Access-Control-Expose-Headers";
    public const string Exposed = "ETag, Location, Retry-After";

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } http)
        {
            http.Response.Headers[HeaderName] = Exposed;
        }

        return next(context);
    }
}
