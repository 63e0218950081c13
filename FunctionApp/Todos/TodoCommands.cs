using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// The write side of the todo API. Input is read and validated completely before any SQL runs, so a rejected
/// request leaves no trace in the database.
/// </summary>
internal sealed partial class TodoCommands(ILogger<TodoCommands> logger)
{
    public async Task<ApiResult> CreateAsync(InvocationConnection sql, JsonRequest request)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var (input, problem) = await ReadInputAsync(request, sql.CancellationToken);
        if (input is null)
        {
            return ApiResult.From(problem!);
        }

        var connection = await sql.GetOpenConnectionAsync();
        var row = await connection.QuerySingleAsync<TodoRow>(new CommandDefinition(
            TodoSql.Insert, TodoParameters.Insert(input), sql.Transaction, cancellationToken: sql.CancellationToken));
        LogCreated(logger, row.Id);
        return TodoResults.Item(201, row, withLocation: true);
    }

    /// <summary>Full replacement, only at the version named by If-Match (428 without it, 412 when it is stale).</summary>
    public async Task<ApiResult> ReplaceAsync(InvocationConnection sql, string? id, string? ifMatch, JsonRequest request)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (!TodoId.TryParse(id, out var todoId))
        {
            return TodoResults.InvalidId();
        }

        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return ApiResult.From(ApiProblems.PreconditionRequired());
        }

        if (!EntityTag.TryParseRowVersion(ifMatch, out var rowVersion))
        {
            return ApiResult.From(ApiProblems.Validation("If-Match", "Must be one ETag exactly as this API returned it (a quoted value; weak tags and * are not accepted)."));
        }

        var (input, problem) = await ReadInputAsync(request, sql.CancellationToken);
        if (input is null)
        {
            return ApiResult.From(problem!);
        }

        // The update and the 404-or-412 follow-up see one consistent state; the pipeline commits on success.
        var transaction = await sql.BeginUnitOfWorkAsync();
        var connection = transaction.Connection!;
        var row = await connection.QuerySingleOrDefaultAsync<TodoRow>(new CommandDefinition(
            TodoSql.Replace, TodoParameters.Replace(todoId, rowVersion, input), transaction, cancellationToken: sql.CancellationToken));
        if (row is not null)
        {
            LogReplaced(logger, row.Id);
            return TodoResults.Item(200, row);
        }

        var live = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            TodoSql.CountLive, TodoParameters.Id(todoId), transaction, cancellationToken: sql.CancellationToken));
        return live == 0 ? TodoResults.NotFound(todoId) : ApiResult.From(ApiProblems.PreconditionFailed());
    }

    /// <summary>Soft delete: the row stays (for the purge job) but the API no longer shows it; a second delete is 404.</summary>
    public async Task<ApiResult> DeleteAsync(InvocationConnection sql, string? id)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (!TodoId.TryParse(id, out var todoId))
        {
            return TodoResults.InvalidId();
        }

        var connection = await sql.GetOpenConnectionAsync();
        var affected = await connection.ExecuteAsync(new CommandDefinition(
            TodoSql.SoftDelete, TodoParameters.Id(todoId), sql.Transaction, cancellationToken: sql.CancellationToken));
        if (affected == 0)
        {
            return TodoResults.NotFound(todoId);
        }

        LogDeleted(logger, todoId);
        return ApiResult.NoContent();
    }

    private static async Task<(TodoInput? Input, ProblemDetails? Problem)> ReadInputAsync(JsonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await JsonBodyReader.ReadAsync<TodoBody>(request, cancellationToken);
        if (body.Value is null)
        {
            return (null, body.Problem);
        }

        var input = TodoValidator.Validate(body.Value, out var errors);
        return input is null ? (null, ApiProblems.Validation(errors)) : (input, null);
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Todo {Id} created")]
    private static partial void LogCreated(ILogger logger, long id);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Todo {Id} replaced")]
    private static partial void LogReplaced(ILogger logger, long id);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Todo {Id} soft-deleted")]
    private static partial void LogDeleted(ILogger logger, long id);
}
