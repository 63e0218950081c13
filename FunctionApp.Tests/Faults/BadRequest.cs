namespace AzureSqlFunctions.Tests.Faults;

/// <summary>One row of the bad-input table: a request to one endpoint and the 4xx problem it must get.</summary>
/// <param name="Method">LIST, GET, POST, PUT or DELETE.</param>
/// <param name="Fields">The fields, parameters or headers <c>errors</c> must name (empty: the problem has no <c>errors</c>).</param>
/// <param name="MustNotEcho">Text of the input the answer must not repeat (a huge value), or null.</param>
/// <param name="BodyBytes">Raw body bytes (for text that is not valid UTF-8), sent instead of <paramref name="Body"/>.</param>
/// <param name="IdempotencyKey">An Idempotency-Key header value sent as is (POST), or null for none.</param>
internal sealed record BadRequest(
    string Name,
    string Method,
    int Status,
    string Type,
    string[] Fields,
    string? Id = "1",
    string? IfMatch = BadRequest.ValidIfMatch,
    string? ContentType = "application/json",
    string Body = """{ "title": "a" }""",
    ListQuery? Query = null,
    string? MustNotEcho = null,
    byte[]? BodyBytes = null,
    string? IdempotencyKey = null)
{
    /// <summary>Well-formed (an 8-byte row version): a rejected PUT fails on something else, before any SQL.</summary>
    public const string ValidIfMatch = "\"AAAAAAAAB9E=\"";

    public override string ToString() => Name;
}

/// <summary>The query string of <c>GET /api/todos</c> as sent (each value null when absent).</summary>
internal sealed record ListQuery(string? Done, string? Limit, string? After);
