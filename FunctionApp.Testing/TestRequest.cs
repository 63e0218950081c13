using System.Text;

namespace AzureSqlFunctions.Testing;

/// <summary>An HTTP request as a front end sends it: method, path with query, headers, and a body stream.</summary>
internal sealed record TestRequest(string Method, string Target)
{
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The body; null sends none. The app reads it as a stream, never more than its limit.</summary>
    public Stream? Body { get; init; }

    public static TestRequest Get(string target) => new("GET", target);

    public static TestRequest Delete(string target) => new("DELETE", target);

    public static TestRequest Post(string target, string json, string? contentType = "application/json") =>
        new TestRequest("POST", target).WithBody(json, contentType);

    public static TestRequest Put(string target, string json, string? ifMatch, string? contentType = "application/json") =>
        ifMatch is null ? new TestRequest("PUT", target).WithBody(json, contentType) : new TestRequest("PUT", target).WithHeader("If-Match", ifMatch).WithBody(json, contentType);

    public TestRequest WithHeader(string name, string value) => this with { Headers = [.. Headers, new(name, value)] };

    public TestRequest WithBody(string text, string? contentType) => WithBody(new MemoryStream(Encoding.UTF8.GetBytes(text)), contentType);

    public TestRequest WithBody(Stream body, string? contentType)
    {
        var request = this with { Body = body };
        return contentType is null ? request : request.WithHeader("Content-Type", contentType);
    }
}
