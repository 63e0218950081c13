using System.Net.Sockets;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The host's HTTP hop to a proxying worker (DefaultHttpProxyService over YARP's forwarder with its default
/// transforms): the request goes to the worker's <c>HttpUri</c> with the same method, path and query, HTTP/1.1;
/// headers are copied except hop-by-hop ones, <c>Host</c> and <c>Forwarded</c>; <c>x-ms-invocation-id</c> names
/// the invocation; <c>X-Forwarded-For</c> / <c>-Host</c> / <c>-Proto</c> carry the caller's address, host and
/// scheme. No redirects are followed, no cookies kept; a refused connection is retried (10 attempts, 50 ms
/// doubling to 250 ms, as the host's RetryProxyHandler does).
/// </summary>
internal sealed class HttpForwarder : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private const int MaxAttempts = 10;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(250);

    // YARP's RequestUtilities: never forwarded (plus Host, replaced by the destination's, and Forwarded).
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Proxy-Authenticate",
        "Proxy-Authentication-Info", "Proxy-Authorization", "Proxy-Features", "Proxy-Instruction", "Security-Scheme",
        "ALPN", "Close", "HTTP2-Settings", "Upgrade-Insecure-Requests", "TE", "Alt-Svc", "Host", "Forwarded",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix",
    };

    private readonly HttpClient _client;
    private readonly Uri _workerUri;

    public HttpForwarder(Uri workerUri, TimeSpan timeout)
    {
        _workerUri = workerUri;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = timeout,
        };
    }

    /// <summary>The caller's request as the host received it: headers (content headers and Host included) and body.</summary>
    public sealed record IncomingRequest(HttpMethod Method, Uri Uri, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[]? Body, string ClientAddress);

    /// <summary>Sends the request on and returns the worker's response with its content buffered.</summary>
    public async Task<HttpResponseMessage> ForwardAsync(IncomingRequest request, string invocationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            using var forwarded = Build(request, invocationId);
            try
            {
                return await _client.SendAsync(forwarded, HttpCompletionOption.ResponseContentRead, cancellationToken);
            }
            catch (HttpRequestException ex) when (attempt < MaxAttempts && ex.InnerException is SocketException)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    public void Dispose() => _client.Dispose();

    private HttpRequestMessage Build(IncomingRequest request, string invocationId)
    {
        var target = new Uri(_workerUri, request.Uri.PathAndQuery);
        var forwarded = new HttpRequestMessage(request.Method, target) { Version = System.Net.HttpVersion.Version11 };
        if (request.Body is not null)
        {
            forwarded.Content = new ByteArrayContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (NotForwarded.Contains(name))
            {
                continue;
            }

            if (!forwarded.Headers.TryAddWithoutValidation(name, values))
            {
                forwarded.Content?.Headers.TryAddWithoutValidation(name, values);
            }
        }

        forwarded.Headers.TryAddWithoutValidation("X-Forwarded-For", request.ClientAddress);
        forwarded.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Uri.Authority);
        forwarded.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Uri.Scheme);
        forwarded.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
        return forwarded;
    }

    /// <summary>Headers of a test's request as a host would have received them (Host and content headers included).</summary>
    public static List<KeyValuePair<string, string[]>> IncomingHeaders(HttpRequestMessage request, Uri uri, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = new List<KeyValuePair<string, string[]>> { new("Host", [uri.Authority]) };
        headers.AddRange(request.Headers.Where(header => !string.Equals(header.Key, "Host", StringComparison.OrdinalIgnoreCase))
            .Select(header => new KeyValuePair<string, string[]>(header.Key, [.. header.Value])));
        if (request.Content is not null)
        {
            headers.AddRange(request.Content.Headers
                .Where(header => !string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(header => new KeyValuePair<string, string[]>(header.Key, [.. header.Value])));
            headers.Add(new("Content-Length", [(body?.Length ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }

        return headers;
    }

    /// <summary>A header's values as one string, the way ASP.NET Core's StringValues joins them.</summary>
    public static string Joined(IEnumerable<string> values) => string.Join(",", values);
}
