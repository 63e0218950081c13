using System.Data;
using AzureSqlFunctions.Http;
using Dapper;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// Dapper parameters typed like the columns: Dapper would otherwise send strings as nvarchar(4000) and could not
/// tell a datetimeoffset apart; explicit sizes also keep one cached plan per statement.
/// </summary>
internal static class TodoParameters
{
    public static DynamicParameters Id(long id)
    {
        var parameters = new DynamicParameters();
        parameters.Add("@Id", id, DbType.Int64);
        return parameters;
    }

    public static DynamicParameters Page(int fetch, long after, bool? done)
    {
        var parameters = new DynamicParameters();
        parameters.Add("@Limit", fetch, DbType.Int32);
        parameters.Add("@After", after, DbType.Int64);
        if (done is { } value)
        {
            parameters.Add("@Done", value, DbType.Boolean);
        }

        return parameters;
    }

    public static DynamicParameters Insert(TodoInput input)
    {
        var parameters = new DynamicParameters();
        AddValues(parameters, input);
        return parameters;
    }

    public static DynamicParameters Replace(long id, byte[] rowVersion, TodoInput input)
    {
        var parameters = Id(id);
        parameters.Add("@RowVersion", rowVersion, DbType.Binary, size: EntityTag.RowVersionLength);
        AddValues(parameters, input);
        return parameters;
    }

    public static DynamicParameters Key(string key, DateTimeOffset? notBefore = null)
    {
        var parameters = new DynamicParameters();
        parameters.Add("@Key", key, DbType.AnsiString, size: IdempotencyKey.MaxLength);
        if (notBefore is { } value)
        {
            parameters.Add("@NotBefore", value, DbType.DateTimeOffset);
        }

        return parameters;
    }

    public static DynamicParameters CreateRequest(string key, byte[] requestHash, long todoId, string response)
    {
        var parameters = Key(key);
        parameters.Add("@RequestHash", requestHash, DbType.Binary, size: 32);
        parameters.Add("@TodoId", todoId, DbType.Int64);
        parameters.Add("@Response", response, DbType.String, size: -1);
        return parameters;
    }

    private static void AddValues(DynamicParameters parameters, TodoInput input)
    {
        parameters.Add("@Title", input.Title, DbType.String, size: TodoValidator.MaxTitleLength);
        parameters.Add("@Notes", input.Notes, DbType.String, size: -1); // nvarchar(max)
        parameters.Add("@DueAt", input.DueAt, DbType.DateTimeOffset);
        parameters.Add("@IsDone", input.IsDone, DbType.Boolean);
    }
}
