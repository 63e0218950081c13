using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace AzureSqlFunctions.Http;

/// <summary>
/// An <see cref="IResult"/> that adds response headers (ETag, Location, Retry-After) and then lets the framework's
/// result write status and body. Headers are set only when the result runs, after the unit of work committed, so an
/// answer replaced by a 503 never carries the ETag of a write that did not happen.
/// </summary>
internal sealed class HeaderedResult(IResult inner, params KeyValuePair<string, string>[] headers) : IResult, IStatusCodeHttpResult
{
    public IResult Inner => inner;

    public int? StatusCode => (inner as IStatusCodeHttpResult)?.StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        foreach (var (name, value) in headers)
        {
            httpContext.Response.Headers[name] = value;
        }

        return inner.ExecuteAsync(httpContext);
    }
}
