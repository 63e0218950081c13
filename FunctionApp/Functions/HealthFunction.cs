using AzureSqlFunctions.Health;
using AzureSqlFunctions.Middleware;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace AzureSqlFunctions.Functions;

/// <summary><c>GET /api/health</c>: token and SQL checks; 200 or 503 with the same report.</summary>
internal sealed class HealthFunction(HealthHandler health)
{
    [Function("Health")]
    public async Task<HttpResponseData> Check(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "health")] HttpRequestData request, FunctionContext context)
    {
        var result = await health.CheckAsync(context.GetInvocationConnection());
        return await HttpTranslation.WriteAsync(request, result);
    }
}
