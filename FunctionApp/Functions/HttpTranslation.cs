using System.Net;
using AzureSqlFunctions.Http;
using Microsoft.Azure.Functions.Worker.Http;

namespace AzureSqlFunctions.Functions;

/// <summary>The only place HTTP functions touch Worker types: request → plain values, <see cref="ApiResult"/> → response.</summary>
internal static class HttpTranslation
{
    /// <summary>One header's value as sent (several values joined), or null when absent.</summary>
    public static string? Header(HttpRequestData request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
    }

    /// <summary>The body, unread: the handler reads it with its own size limit.</summary>
    public static JsonRequest JsonBody(HttpRequestData request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new JsonRequest(Header(request, "Content-Type"), request.Body);
    }

    public static async Task<HttpResponseData> WriteAsync(HttpRequestData request, ApiResult result)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(result);
        var response = request.CreateResponse();
        response.StatusCode = (HttpStatusCode)result.Status;
        foreach (var (name, value) in result.Headers)
        {
            response.Headers.Add(name, value);
        }

        if (result.SerializeBody() is { } json)
        {
            response.Headers.Add("Content-Type", result.ContentType!);
            await response.WriteStringAsync(json);
        }

        return response;
    }
}
