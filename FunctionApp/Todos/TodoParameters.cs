using System.Data;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using Dapper;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// Dapper parameters typed like the columns: Dapper would otherwise send strings as nvarchar(4000) and could not
/// tell a datetimeoffset apart; explicit sizes also keep one cached plan per statement. Every statement's parameters
/// start with the caller's <c>@OwnerId</c>.
/// </summary>
internal static class TodoParameters
{
    public static DynamicParameters Id(string owner, long id)
    {
        var parameters = Owner(owner);
        parameters.Add("@Id", id, DbType.Int64);
        return parameters;
    }

    public static DynamicParameters Page(string owner, int fetch, long after, bool? done)
    {
        var parameters = Owner(owner);
        parameters.Add("@Limit", fetch, DbType.Int32);
        parameters.Add("@After", after, DbType.Int64);
        if (done is { } value)
        {
            parameters.Add("@Done", value, DbType.Boolean);
        }

        return parameters;
    }

    public static DynamicParameters Insert(string owner, TodoInput input)
    {
        var parameters = Owner(owner);
        AddValues(parameters, input);
        return parameters;
    }

    public static DynamicParameters Replace(string owner, long id, byte[] rowVersion, TodoInput input)
    {
        var parameters = Id(owner, id);
        parameters.Add("@RowVersion", rowVersion, DbType.Binary, size: EntityTag.RowVersionLength);
        AddValues(parameters, input);
        return parameters;
    }

    public static DynamicParameters Key(string owner, string key, DateTimeOffset? notBefore = null)
    {
        var parameters = Owner(owner);
        parameters.Add("@Key", key, DbType.AnsiString, size: IdempotencyKey.MaxLength);
        if (notBefore is { } value)
        {
            parameters.Add("@NotBefore", value, DbType.DateTimeOffset);
        }

        return parameters;
    }

    public static DynamicParameters CreateRequest(string owner, string key, byte[] requestHash, long todoId, string response)
    {
        var parameters = Key(owner, key);
        parameters.Add("@RequestHash", requestHash, DbType.Binary, size: 32);
        parameters.Add("@TodoId", todoId, DbType.Int64);
        parameters.Add("@Response", response, DbType.String, size: -1);
        return parameters;
    }

    private static DynamicParameters Owner(string owner)
    {
        var parameters = new DynamicParameters();
        parameters.Add("@OwnerId", owner, DbType.AnsiStringFixedLength, size: OwnerId.Length);
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
