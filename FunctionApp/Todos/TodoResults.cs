using AzureSqlFunctions.Http;

namespace AzureSqlFunctions.Todos;

/// <summary>The answers the todo handlers share.</summary>
internal static class TodoResults
{
    public const string RoutePrefix = "/api/todos/";

    public static ApiResult Item(int status, TodoRow row, bool withLocation = false)
    {
        var item = TodoItem.From(row);
        var headers = new Dictionary<string, string> { ["ETag"] = item.ETag };
        if (withLocation)
        {
            headers["Location"] = RoutePrefix + item.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return ApiResult.Json(status, item, headers);
    }

    public static ApiResult InvalidId() => ApiResult.From(ApiProblems.Validation("id", TodoId.InvalidMessage));

    public static ApiResult NotFound(long id) => ApiResult.From(ApiProblems.NotFound($"Todo {id}"));
}
