using System.Text;
using System.Text.Json;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.FunctionsHost;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// Requests a client sends through the host peer, and what the tests read from the answers. Each request is signed in
/// as the shared sign-in's default user (a valid Entra token for the API), as a front end sends it; a test that sets
/// its own Authorization header keeps it.
/// </summary>
internal static class WorkerHttp
{
    public const string JsonContent = "application/json";

    /// <summary>What ASP.NET Core writes for a JSON result (TypedResults.Ok, Created, Json).</summary>
    public const string JsonResponse = "application/json; charset=utf-8";

    public const string ProblemJson = "application/problem+json";

    public static HttpRequestMessage Get(string target) => Signed(new(HttpMethod.Get, target));

    public static HttpRequestMessage Delete(string target) => Signed(new(HttpMethod.Delete, target));

    /// <summary>Adds the default user's bearer token unless the request carries an Authorization header already.</summary>
    public static HttpRequestMessage Signed(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.Authorization is null && !request.Headers.Contains("Authorization")
            ? ApiSignIn.Authorize(request, ApiSignIn.Shared.DefaultUserToken)
            : request;
    }

    /// <param name="contentType">Sent as is (null: no Content-Type header).</param>
    public static HttpRequestMessage WithBody(HttpMethod method, string target, string body, string? contentType = JsonContent, string? ifMatch = null) =>
        WithBody(method, target, Encoding.UTF8.GetBytes(body), contentType, ifMatch);

    public static HttpRequestMessage WithBody(HttpMethod method, string target, byte[] body, string? contentType = JsonContent, string? ifMatch = null)
    {
        var content = new ByteArrayContent(body);
        var request = Signed(new HttpRequestMessage(method, target) { Content = content });
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    public static HttpRequestMessage Post(string body, string? contentType = JsonContent) => WithBody(HttpMethod.Post, "/api/todos", body, contentType);

    public static HttpRequestMessage Put(string id, string? ifMatch, string body) => WithBody(HttpMethod.Put, "/api/todos/" + id, body, JsonContent, ifMatch);

    /// <summary>The same request as the in-process harness's <see cref="TestRequest"/> (its body stream is read).</summary>
    public static HttpRequestMessage From(TestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Target);
        if (request.Body is { } body)
        {
            using var buffer = new MemoryStream();
            body.CopyTo(buffer);
            message.Content = new ByteArrayContent(buffer.ToArray());
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                (message.Content ??= new ByteArrayContent([])).Headers.TryAddWithoutValidation(name, value);
            }
        }

        return Signed(message);
    }

    public static int Status(this HttpInvocationResult result) => (int)(result ?? throw new ArgumentNullException(nameof(result))).StatusCode;

    /// <summary>The body parsed as JSON; fails the test when it is empty or not JSON.</summary>
    public static JsonElement Json(this HttpInvocationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Body.Length == 0)
        {
            Assert.Fail($"The answer has no body: {result}");
        }

        using var document = JsonDocument.Parse(result.Body);
        return document.RootElement.Clone();
    }

    /// <summary>A problem answer: status, content type, type, status member and (for 400s) exactly the named fields.</summary>
    public static JsonElement AssertProblem(HttpInvocationResult result, int status, string type, params string[] fields)
    {
        ArgumentNullException.ThrowIfNull(result);
        Assert.That(result.Status(), Is.EqualTo(status), result.ToString);
        Assert.That(result.Header("Content-Type"), Is.EqualTo(ProblemJson), result.ToString);
        var body = result.Json();
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo(type), result.ToString);
        Assert.That(body.GetProperty("status").GetInt32(), Is.EqualTo(status));
        Assert.That(body.GetProperty("title").GetString(), Is.Not.Empty);
        if (fields.Length > 0)
        {
            Assert.That(body.GetProperty("errors").EnumerateObject().Select(p => p.Name), Is.EquivalentTo(fields), result.ToString);
            Assert.That(body.GetProperty("detail").GetString(), Does.Contain(fields[0] + ":"), "the detail names the fields too");
        }

        return body;
    }

    /// <summary>A 503 written by the app's middleware: the problem, Retry-After, and the host's own invocation id.</summary>
    public static void AssertUnavailable(HttpInvocationResult result, string type, string retryAfterSeconds)
    {
        var body = AssertProblem(result, 503, type);
        Assert.That(result.Header("Retry-After"), Is.EqualTo(retryAfterSeconds), result.ToString);
        Assert.That(body.GetProperty("invocationId").GetString(), Is.EqualTo(result.Invocation.InvocationId), "the id the host sent, so the report is found in its logs");
    }
}
