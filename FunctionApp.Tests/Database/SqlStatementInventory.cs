using System.Reflection;
using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// Finds the SQL the app sends: every <c>const string</c> in a static class whose name ends in <c>Sql</c>,
/// with the declarations of its <see cref="SqlParametersAttribute"/>.
/// </summary>
internal static class SqlStatementInventory
{
    public static IReadOnlyList<SqlStatement> In(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetTypes()
            .Where(IsSqlClass)
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(field => field is { IsLiteral: true, IsInitOnly: false } && field.FieldType == typeof(string))
            .Select(ToStatement)
            .OrderBy(statement => statement.Name, StringComparer.Ordinal)
            .ToList();
    }

    // A static class is abstract and sealed in metadata; compiler-generated types never end in "Sql".
    private static bool IsSqlClass(Type type) =>
        type is { IsClass: true, IsAbstract: true, IsSealed: true } && type.Name.EndsWith("Sql", StringComparison.Ordinal);

    private static SqlStatement ToStatement(FieldInfo field) =>
        new(
            $"{field.DeclaringType!.FullName}.{field.Name}",
            (string)field.GetRawConstantValue()!,
            field.GetCustomAttribute<SqlParametersAttribute>()?.Declarations);
}
