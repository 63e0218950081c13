using System.Reflection;
using System.Text.RegularExpressions;
using AzureSqlFunctions.Health;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>Every statement constant of these features declares exactly the parameters its text uses.</summary>
internal sealed partial class SqlConstantTests
{
    private static IEnumerable<TestCaseData> Statements() =>
        new[] { typeof(TodoSql), typeof(PurgeSql), typeof(HealthSql) }
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => new TestCaseData(field).SetArgDisplayNames($"{field.DeclaringType!.Name}.{field.Name}"));

    [TestCaseSource(nameof(Statements))]
    public void Declares_exactly_the_parameters_it_uses(FieldInfo field)
    {
        var declared = field.GetCustomAttribute<SqlParametersAttribute>();
        Assert.That(declared, Is.Not.Null, "every statement constant carries [SqlParameters]");
        var text = (string)field.GetRawConstantValue()!;

        var used = ParameterName().Matches(text).Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var names = ParameterName().Matches(declared!.Declarations).Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.That(names, Is.EquivalentTo(used));
    }

    [GeneratedRegex(@"@\w+")]
    private static partial Regex ParameterName();
}
