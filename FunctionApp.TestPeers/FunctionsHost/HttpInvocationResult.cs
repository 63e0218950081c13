using System.Net;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// Both halves of an HTTP invocation of a proxying worker: the response its HTTP listener gave to the forwarded
/// request, and its InvocationResponse. The real host's own rewriting of a failed invocation is not applied.
/// </summary>
/// <param name="Response">The worker's response (content buffered; <c>RequestMessage</c> is the forwarded request); null when forwarding failed.</param>
/// <param name="Body">The response body as text (empty when there is none).</param>
/// <param name="ForwardingError">Why the forwarded request got no response, if it got none.</param>
public sealed record HttpInvocationResult(InvocationResult Invocation, HttpResponseMessage? Response, string Body, Exception? ForwardingError)
{
    /// <summary>The worker's status code; throws with the forwarding error when there is no response.</summary>
    public HttpStatusCode StatusCode =>
        Response?.StatusCode ?? throw new InvalidOperationException($"The forwarded request got no response: {ForwardingError?.Message}", ForwardingError);

    /// <summary>A response or content header's values joined by ", "; null when absent.</summary>
    public string? Header(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Response is null)
        {
            return null;
        }

        if (Response.Headers.TryGetValues(name, out var values) || Response.Content.Headers.TryGetValues(name, out values))
        {
            return string.Join(", ", values);
        }

        return null;
    }

    public override string ToString() =>
        Response is null
            ? $"no response ({ForwardingError?.Message}); {Invocation}"
            : $"{(int)Response.StatusCode} {Body}; {Invocation}";
}
