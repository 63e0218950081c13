using AzureSqlFunctions.Database.Deployment;
using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// Checks one SQL statement the app sends against the schema: it must parse, use exactly the parameters it
/// declares, and name only tables and columns that exist. The statement is wrapped in a stored procedure whose
/// parameters are the declarations and validated in a fresh model of the schema.
/// </summary>
/// <remarks>
/// A fresh model each time, not one shared and cleaned up: once DacFx sees a build-blocking error (an undeclared
/// variable, SQL70590) it refuses to delete the offending object, so a shared model would stay broken for every
/// later statement. Loading the schema again costs about as much as validating it (0.1–0.5 s each here).
/// </remarks>
internal sealed class SqlStatementValidator
{
    public const string ProcedurePrefix = "__validate_";

    // Unresolved references inside a procedure: SQL71501 (column or object), SQL71502 (object), SQL71561/71562
    // (through another object). DacFx 170 reports them as errors for an Azure model, but they have been warnings
    // (deferred name resolution) under other versions and settings; for the app's statements they are always bugs.
    private static readonly HashSet<int> UnresolvedReferenceNumbers = [71501, 71502, 71561, 71562];

    private readonly string schemaDirectory;

    // What the schema alone reports; only messages beyond these are about the statement.
    private readonly HashSet<string> schemaMessages;

    public SqlStatementValidator(string schemaDirectory)
    {
        this.schemaDirectory = schemaDirectory;
        using var model = SchemaModel.Load(schemaDirectory);
        schemaMessages = model.Validate().Select(m => m.ToString()).ToHashSet(StringComparer.Ordinal);
    }

    public SqlValidationResult Validate(string name, string text, string parameterDeclarations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(parameterDeclarations);

        var procedureName = ProcedurePrefix + SafeName(name);
        var script = Wrap(procedureName, text, parameterDeclarations);
        var problems = new List<string>();
        var warnings = new List<string>();

        var procedure = Parse(script, problems);
        if (procedure is null)
        {
            // DacFx would only repeat the parse errors, less clearly.
            return new SqlValidationResult(problems, warnings);
        }

        problems.AddRange(SqlParameterUsage.Mismatches(procedure));
        ValidateInModel(procedureName, script, problems, warnings);
        return new SqlValidationResult(problems, warnings);
    }

    // The wrapper puts the declarations on line 2 and the statement from line 5 on.
    private const int FirstStatementLine = 5;

    private static string Where(int wrapperLine) =>
        wrapperLine >= FirstStatementLine ? $"at statement line {wrapperLine - FirstStatementLine + 1}" : "in the parameter declarations";

    private static string Wrap(string procedureName, string text, string parameterDeclarations) =>
        $"CREATE PROCEDURE [dbo].[{procedureName}]\n{parameterDeclarations}\nAS\nBEGIN\n{text}\nEND\n";

    private static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    private static CreateProcedureStatement? Parse(string script, List<string> problems)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(script);
        var fragment = parser.Parse(reader, out var errors);
        if (errors.Count > 0)
        {
            problems.AddRange(errors.Select(e => $"syntax error {Where(e.Line)}, column {e.Column}: {e.Message}"));
            return null;
        }

        // The text must stay inside the wrapper's BEGIN … END: a stray 'END; …' or a 'GO' would carry on outside it.
        var statements = ((TSqlScript)fragment).Batches.SelectMany(b => b.Statements).ToList();
        if (statements is not [CreateProcedureStatement { StatementList.Statements: [BeginEndBlockStatement] } procedure])
        {
            problems.Add("the text is not one self-contained statement list (it closes the wrapper or adds a batch).");
            return null;
        }

        return procedure;
    }

    private void ValidateInModel(string procedureName, string script, List<string> problems, List<string> warnings)
    {
        using var model = SchemaModel.Load(schemaDirectory);
        try
        {
            model.AddOrUpdateObjects(script, procedureName + ".sql", new TSqlObjectOptions());
        }
        catch (DacModelException e)
        {
            problems.AddRange(e.Messages.Select(m => m.ToString()).DefaultIfEmpty(e.Message));
            return;
        }

        // Messages carry no source name, and some (SQL70590) do not name the procedure: compare with the schema alone.
        foreach (var message in model.Validate().Where(m => !schemaMessages.Contains(m.ToString())))
        {
            var described = Describe(message, procedureName);
            if (message.MessageType == DacMessageType.Error || UnresolvedReferenceNumbers.Contains(message.Number))
            {
                problems.Add(described);
            }
            else
            {
                warnings.Add(described);
            }
        }
    }

    private static string Describe(DacModelMessage message, string procedureName) =>
        $"{message.MessageType} {message.Prefix}{message.Number}: {message.Message.Replace($"[dbo].[{procedureName}]", "statement", StringComparison.Ordinal)}";
}
