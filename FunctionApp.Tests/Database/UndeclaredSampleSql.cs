namespace AzureSqlFunctions.Tests.Database;

/// <summary>A SQL constant that forgot its [SqlParameters]: the inventory must report it as undeclared.</summary>
internal static class UndeclaredSampleSql
{
    public const string CountTodos = "SELECT COUNT_BIG(*) FROM dbo.Todos WHERE DeletedAt IS NULL;";
}
