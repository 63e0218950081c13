namespace AzureSqlFunctions.Sql;

/// <summary>
/// Declares, in T-SQL syntax, the parameters a SQL text constant expects (for example
/// <c>"@Id bigint, @Title nvarchar(200)"</c>). Every statement the app sends is a <c>const string</c> in a
/// feature's <c>…Sql</c> class carrying this attribute, so one test can validate all of them against the
/// schema model: an unknown table, column or parameter fails the build's tests, not production.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
internal sealed class SqlParametersAttribute(string declarations) : Attribute
{
    public string Declarations { get; } = declarations;
}
