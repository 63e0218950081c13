using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.OpenApi;

/// <summary><c>GET /api/openapi.json</c>: the API's OpenAPI document, for any caller (no token: it describes how to get one).</summary>
public sealed class OpenApiFunction(OpenApiDocument document)
{
    [Function("OpenApiDocument")]
    [AllowAnonymous]
    public Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        Task.FromResult<IResult>(TypedResults.Bytes(document.Utf8.ToArray(), "application/json"));
}
