using System.Globalization;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using Dapper;

namespace AzureSqlFunctions.Todos;

/// <summary>The read side of the todo API: one page in Id order, or one todo with its ETag.</summary>
internal static class TodoQueries
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static async Task<ApiResult> ListAsync(InvocationConnection sql, TodoListQuery query)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(query);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        bool? done = null;
        if (query.Done is not null)
        {
            if (bool.TryParse(query.Done, out var parsed))
            {
                done = parsed;
            }
            else
            {
                errors["done"] = ["Must be true or false."];
            }
        }

        var limit = DefaultLimit;
        if (query.Limit is not null
            && !(DigitString.IsAsciiDigits(query.Limit) && int.TryParse(query.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit))
        {
            errors["limit"] = [$"Must be a whole number from 1 to {MaxLimit}."];
        }

        long after = 0;
        if (query.After is not null && !ContinuationToken.TryDecode(query.After, out after))
        {
            errors["after"] = ["Must be a 'next' value from a previous page."];
        }

        if (errors.Count > 0)
        {
            return ApiResult.From(ApiProblems.Validation(errors));
        }

        var connection = await sql.GetOpenConnectionAsync();
        // One row more than the page shows tells whether another page follows, without a COUNT.
        var rows = (await connection.QueryAsync<TodoRow>(new CommandDefinition(
            TodoSql.List, TodoParameters.Page(limit + 1, after, done), sql.Transaction, cancellationToken: sql.CancellationToken))).AsList();
        var items = rows.Take(limit).Select(TodoItem.From).ToList();
        var next = rows.Count > limit ? ContinuationToken.Encode(items[^1].Id) : null;
        return ApiResult.Json(200, new TodoPage(items, next));
    }

    public static async Task<ApiResult> GetAsync(InvocationConnection sql, string? id)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (!TodoId.TryParse(id, out var todoId))
        {
            return TodoResults.InvalidId();
        }

        var connection = await sql.GetOpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<TodoRow>(new CommandDefinition(
            TodoSql.GetById, TodoParameters.Id(todoId), sql.Transaction, cancellationToken: sql.CancellationToken));
        return row is null ? TodoResults.NotFound(todoId) : TodoResults.Item(200, row);
    }
}
