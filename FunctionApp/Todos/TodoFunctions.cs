using System.Globalization;
using System.Text.Json;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// The todo endpoints under <c>/api/todos</c>: request → validate → Dapper on the invocation's connection → result.
/// Each caller reaches only their own todos (<see cref="OwnerId"/> in every statement; the database's row-level
/// security enforces it again): another caller's todo answers 404, exactly like one that does not exist.
/// Input is checked completely before any SQL runs, so a rejected request leaves no trace. Results are
/// <see cref="IResult"/>s, written only after the unit of work committed. Routes take <c>{id}</c> as text (no
/// <c>{id:long}</c> constraint), so a bad id gets a 400 problem naming it, not a bare 404.
/// </summary>
public sealed partial class TodoFunctions(TimeProvider time, ILogger<TodoFunctions> logger)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    internal const string RoutePrefix = "/api/todos/";

    /// <summary><c>GET /api/todos?done=&amp;limit=&amp;after=</c>: one page of live todos in id order (keyset paging).</summary>
    [Function("ListTodos")]
    public static async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "todos")] HttpRequest request, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        bool? done = null;
        if (Query(request, "done") is { } doneText)
        {
            if (bool.TryParse(doneText, out var parsed))
            {
                done = parsed;
            }
            else
            {
                errors["done"] = ["Must be true or false."];
            }
        }

        var limit = DefaultLimit;
        if (Query(request, "limit") is { } limitText
            && !(DigitString.IsAsciiDigits(limitText) && int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit))
        {
            errors["limit"] = [$"Must be a whole number from 1 to {MaxLimit}."];
        }

        long after = 0;
        if (Query(request, "after") is { } afterText && !ContinuationToken.TryDecode(afterText, out after))
        {
            errors["after"] = ["Must be a 'next' value from a previous page."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var owner = OwnerId.Of(context.GetCaller());
        var sql = context.GetInvocationConnection();
        var connection = await sql.GetOpenConnectionAsync();
        // One row more than the page shows tells whether another page follows, without a COUNT.
        var rows = (await connection.QueryAsync<TodoRow>(new CommandDefinition(
            done is null ? TodoSql.List : TodoSql.ListByDone, TodoParameters.Page(owner, limit + 1, after, done), sql.Transaction, cancellationToken: sql.CancellationToken))).AsList();
        var items = rows.Take(limit).Select(TodoItem.From).ToList();
        var next = rows.Count > limit ? ContinuationToken.Encode(items[^1].Id) : null;
        return TypedResults.Ok(new TodoPage(items, next));
    }

    /// <summary><c>GET /api/todos/{id}</c>: the todo with its ETag, or 404.</summary>
    [Function("GetTodo")]
    public static async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "todos/{id}")] HttpRequest request, string id, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TodoId.TryParse(id, out var todoId))
        {
            return InvalidId();
        }

        var owner = OwnerId.Of(context.GetCaller());
        var sql = context.GetInvocationConnection();
        var connection = await sql.GetOpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<TodoRow>(new CommandDefinition(
            TodoSql.GetById, TodoParameters.Id(owner, todoId), sql.Transaction, cancellationToken: sql.CancellationToken));
        return row is null ? NotFound(todoId) : Item(row);
    }

    /// <summary>
    /// <c>POST /api/todos</c>: 201 with Location, ETag and the todo as stored. With an <c>Idempotency-Key</c>, the key
    /// and a hash of the validated request are stored with the todo in the same unit of work: a retry with the same
    /// key and body within <see cref="IdempotencyKey.Retention"/> replays the original 201 and creates nothing; the
    /// same key with another body is 422.
    /// </summary>
    [Function("CreateTodo")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "todos")] HttpRequest request, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!IdempotencyKey.TryRead(request, out var key))
        {
            return ApiProblems.Validation(IdempotencyKey.HeaderName, IdempotencyKey.InvalidMessage);
        }

        var owner = OwnerId.Of(context.GetCaller());
        var sql = context.GetInvocationConnection();
        var input = await TodoValidator.ReadAsync(request, sql.CancellationToken);
        if (input.Problem is { } problem)
        {
            return problem;
        }

        // In the unit of work: the middleware commits it, so "nothing was saved" is said only after a real rollback.
        var transaction = await sql.BeginUnitOfWorkAsync();
        var connection = transaction.Connection!;
        var requestHash = key is null ? null : TodoRequestHash.Of(input.Value!);
        if (key is not null)
        {
            var earlier = await connection.QuerySingleOrDefaultAsync<CreateRequestRow>(new CommandDefinition(
                TodoSql.FindCreateRequest, TodoParameters.Key(owner, key), transaction, cancellationToken: sql.CancellationToken));
            var notBefore = time.GetUtcNow() - IdempotencyKey.Retention;
            if (earlier is not null && earlier.CreatedAt >= notBefore)
            {
                return earlier.RequestHash.AsSpan().SequenceEqual(requestHash) ? Replay(earlier.Response) : ApiProblems.IdempotencyKeyReused();
            }

            if (earlier is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    TodoSql.ForgetExpiredCreateRequest, TodoParameters.Key(owner, key, notBefore), transaction, cancellationToken: sql.CancellationToken));
            }
        }

        var row = await connection.QuerySingleAsync<TodoRow>(new CommandDefinition(
            TodoSql.Insert, TodoParameters.Insert(owner, input.Value!), transaction, cancellationToken: sql.CancellationToken));
        var item = TodoItem.From(row);
        if (key is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                TodoSql.RecordCreateRequest,
                TodoParameters.CreateRequest(owner, key, requestHash!, row.Id, JsonSerializer.Serialize(item, ApiJson.Options)),
                transaction,
                cancellationToken: sql.CancellationToken));
        }

        LogCreated(logger, row.Id);
        return Created(item);
    }

    /// <summary>
    /// <c>PUT /api/todos/{id}</c>: full replacement, only at the version named by If-Match (428 without it, 412 when
    /// it is stale). Checks run in this order: id, If-Match, body.
    /// </summary>
    [Function("ReplaceTodo")]
    public async Task<IResult> Replace(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "todos/{id}")] HttpRequest request, string id, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!TodoId.TryParse(id, out var todoId))
        {
            return InvalidId();
        }

        var ifMatch = request.Headers.IfMatch;
        if (ifMatch.Count == 0 || string.IsNullOrWhiteSpace(ifMatch.ToString()))
        {
            return ApiProblems.PreconditionRequired();
        }

        if (!EntityTag.TryParseRowVersion(string.Join(", ", ifMatch.ToArray()), out var rowVersion))
        {
            return ApiProblems.Validation("If-Match", "Must be one ETag exactly as this API returned it (a quoted value; weak tags and * are not accepted).");
        }

        var owner = OwnerId.Of(context.GetCaller());
        var sql = context.GetInvocationConnection();
        var input = await TodoValidator.ReadAsync(request, sql.CancellationToken);
        if (input.Problem is { } problem)
        {
            return problem;
        }

        // The update and the 404-or-412 follow-up see one consistent state; the middleware commits on success.
        var transaction = await sql.BeginUnitOfWorkAsync();
        var connection = transaction.Connection!;
        var row = await connection.QuerySingleOrDefaultAsync<TodoRow>(new CommandDefinition(
            TodoSql.Replace, TodoParameters.Replace(owner, todoId, rowVersion, input.Value!), transaction, cancellationToken: sql.CancellationToken));
        if (row is not null)
        {
            LogReplaced(logger, row.Id);
            return Item(row);
        }

        var live = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            TodoSql.CountLive, TodoParameters.Id(owner, todoId), transaction, cancellationToken: sql.CancellationToken));
        return live == 0 ? NotFound(todoId) : ApiProblems.PreconditionFailed();
    }

    /// <summary><c>DELETE /api/todos/{id}</c>: soft delete (the purge job removes the row later); a second delete is 404.</summary>
    [Function("DeleteTodo")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "todos/{id}")] HttpRequest request, string id, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TodoId.TryParse(id, out var todoId))
        {
            return InvalidId();
        }

        var owner = OwnerId.Of(context.GetCaller());
        var sql = context.GetInvocationConnection();
        var transaction = await sql.BeginUnitOfWorkAsync();
        var affected = await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            TodoSql.SoftDelete, TodoParameters.Id(owner, todoId), transaction, cancellationToken: sql.CancellationToken));
        if (affected == 0)
        {
            return NotFound(todoId);
        }

        LogDeleted(logger, todoId);
        return TypedResults.NoContent();
    }

    /// <summary>One query parameter as sent (repeated ones joined with commas, so they fail to parse), or null.</summary>
    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    private static HeaderedResult Item(TodoRow row)
    {
        var item = TodoItem.From(row);
        return new HeaderedResult(TypedResults.Ok(item), new KeyValuePair<string, string>("ETag", item.ETag));
    }

    private static HeaderedResult Created(TodoItem item, params KeyValuePair<string, string>[] more) => new(
        TypedResults.Created(RoutePrefix + item.Id.ToString(CultureInfo.InvariantCulture), item),
        [new KeyValuePair<string, string>("ETag", item.ETag), .. more]);

    /// <summary>The original 201 of an earlier create with the same Idempotency-Key and body.</summary>
    private static HeaderedResult Replay(string storedResponse) => Created(
        JsonSerializer.Deserialize<TodoItem>(storedResponse, ApiJson.Options)!,
        new KeyValuePair<string, string>("Idempotent-Replayed", "true"));

    private static ProblemHttpResult InvalidId() => ApiProblems.Validation("id", TodoId.InvalidMessage);

    private static ProblemHttpResult NotFound(long id) => ApiProblems.NotFound($"Todo {id}");

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Todo {Id} created")]
    private static partial void LogCreated(ILogger logger, long id);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Todo {Id} replaced")]
    private static partial void LogReplaced(ILogger logger, long id);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Todo {Id} soft-deleted")]
    private static partial void LogDeleted(ILogger logger, long id);
}
