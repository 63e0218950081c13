using System.Data;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Todos;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Benchmarks.BareWorker;

/// <summary>
/// <c>GET /api/todos/{id}</c> written the plain way: a pooled <see cref="SqlConnection"/> per invocation whose token
/// comes from one static <see cref="ManagedIdentityCredential"/> (its own cache) through one static
/// <c>AccessTokenCallback</c>, the caller's session context set, then the app's own read with Dapper. It checks no
/// bearer token: the caller's owner id is a setting (<c>Bare__OwnerId</c>), so it sends exactly the app's statements.
/// </summary>
public static class BareTodoFunction
{
    private static readonly string ConnectionString = Setting("Sql__ConnectionString");
    private static readonly string OwnerId = Setting("Bare__OwnerId");
    private static readonly ManagedIdentityCredential Credential =
        new(ManagedIdentityId.FromUserAssignedClientId(Setting("Sql__ManagedIdentityClientId")));

    private static readonly Func<SqlAuthenticationParameters, CancellationToken, Task<SqlAuthenticationToken>> TokenCallback = async (parameters, cancellationToken) =>
    {
        var token = await Credential.GetTokenAsync(new TokenRequestContext([parameters.Resource.TrimEnd('/') + "/.default"]), cancellationToken);
        return new SqlAuthenticationToken(token.Token, token.ExpiresOn);
    };

    [Function("BareGetTodo")]
    public static async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "todos/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, out var todoId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "The id is not a number.");
        }

        await using var connection = new SqlConnection(ConnectionString) { AccessTokenCallback = TokenCallback };
        await connection.OpenAsync(cancellationToken);
        await using (var context = new SqlCommand("sys.sp_set_session_context", connection) { CommandType = CommandType.StoredProcedure })
        {
            context.Parameters.Add(new SqlParameter("@key", SqlDbType.NVarChar, 128) { Value = "OwnerId" });
            context.Parameters.Add(new SqlParameter("@value", SqlDbType.Char, OwnerId.Length) { Value = OwnerId });
            context.Parameters.Add(new SqlParameter("@read_only", SqlDbType.Bit) { Value = true });
            await context.ExecuteNonQueryAsync(cancellationToken);
        }

        var row = await connection.QuerySingleOrDefaultAsync<TodoRow>(new CommandDefinition(
            TodoSql.GetById,
            new { OwnerId = new DbString { Value = OwnerId, IsFixedLength = true, IsAnsi = true, Length = OwnerId.Length }, Id = todoId },
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return TypedResults.NotFound();
        }

        request.HttpContext.Response.Headers.ETag = $"\"{Convert.ToHexString(row.RowVersion)}\"";
        return TypedResults.Ok(row);
    }

    private static string Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set.");
}
