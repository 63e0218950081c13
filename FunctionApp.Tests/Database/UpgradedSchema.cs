using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// Plays a list of <c>ALTER TABLE</c> statements onto the <c>CREATE TABLE</c> scripts of a schema, the way SQL Server
/// would change those tables, and gives the scripts back: the schema of a database after the statements ran. It knows
/// the forms an upgrade uses (add a column or constraint, alter a column's type and nullability, drop a constraint);
/// an <c>UPDATE</c> changes rows, not the schema; anything else fails the test.
/// </summary>
internal static class UpgradedSchema
{
    public static IReadOnlyDictionary<string, string> Apply(string schemaDirectory, IEnumerable<string> statements)
    {
        var scripts = Directory.GetFiles(schemaDirectory, "*.sql").ToDictionary(file => Path.GetFileName(file)!, file => Parse(File.ReadAllText(file)));
        var tables = scripts.Values
            .SelectMany(script => script.Batches.SelectMany(batch => batch.Statements))
            .OfType<CreateTableStatement>()
            .ToDictionary(table => table.SchemaObjectName.BaseIdentifier.Value, StringComparer.OrdinalIgnoreCase);

        foreach (var text in statements)
        {
            var statement = Parse(text).Batches.Single().Statements.Single();
            switch (statement)
            {
                case AlterTableAddTableElementStatement add:
                    var added = tables[add.SchemaObjectName.BaseIdentifier.Value].Definition;
                    foreach (var column in add.Definition.ColumnDefinitions)
                    {
                        added.ColumnDefinitions.Add(column);
                    }

                    foreach (var constraint in add.Definition.TableConstraints)
                    {
                        added.TableConstraints.Add(constraint);
                    }

                    break;
                case AlterTableAlterColumnStatement alter:
                    var altered = tables[alter.SchemaObjectName.BaseIdentifier.Value].Definition.ColumnDefinitions
                        .Single(column => column.ColumnIdentifier.Value == alter.ColumnIdentifier.Value);
                    altered.DataType = alter.DataType;
                    altered.Collation = alter.Collation;
                    var nullable = alter.AlterTableAlterColumnOption switch
                    {
                        AlterTableAlterColumnOption.Null => true,
                        AlterTableAlterColumnOption.NotNull => false,
                        var other => throw new InvalidOperationException($"ALTER COLUMN without NULL or NOT NULL ({other}) makes the column nullable: say which in '{text}'."),
                    };
                    foreach (var old in altered.Constraints.OfType<NullableConstraintDefinition>().ToList())
                    {
                        altered.Constraints.Remove(old);
                    }

                    altered.Constraints.Add(new NullableConstraintDefinition { Nullable = nullable });
                    break;
                case AlterTableDropTableElementStatement drop:
                    var dropped = tables[drop.SchemaObjectName.BaseIdentifier.Value].Definition;
                    foreach (var element in drop.AlterTableDropTableElements)
                    {
                        var constraint = dropped.TableConstraints.Single(c => c.ConstraintIdentifier?.Value == element.Name.Value);
                        dropped.TableConstraints.Remove(constraint);
                    }

                    break;
                case UpdateStatement:
                    break;
                default:
                    throw new InvalidOperationException($"The test cannot play '{text}' onto a schema.");
            }
        }

        var generator = new Sql170ScriptGenerator();
        return scripts.ToDictionary(
            entry => entry.Key,
            entry =>
            {
                generator.GenerateScript(entry.Value, out var script);
                return script!;
            });
    }

    private static TSqlScript Parse(string text)
    {
        var script = (TSqlScript)new TSql170Parser(initialQuotedIdentifiers: true).Parse(new StringReader(text), out var errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"'{text}' does not parse: {string.Join("; ", errors.Select(e => e.Message))}");
        }

        return script;
    }
}
