using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;

namespace AzureSqlFunctions.Database.Deployment;

/// <summary>Builds the DacFx model of the database from the schema scripts (one object per file).</summary>
internal static class SchemaModel
{
    public const string SchemaFolderName = "Schema";

    /// <summary>The schema folder shipped next to the console (the project copies it to the output).</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, SchemaFolderName);

    /// <summary>Every <c>*.sql</c> under <paramref name="schemaDirectory"/>, in a stable order.</summary>
    public static IReadOnlyList<string> ScriptFiles(string schemaDirectory)
    {
        if (!Directory.Exists(schemaDirectory))
        {
            throw new DirectoryNotFoundException($"Schema folder '{schemaDirectory}' does not exist.");
        }

        var files = Directory.GetFiles(schemaDirectory, "*.sql", SearchOption.AllDirectories);
        if (files.Length == 0)
        {
            throw new InvalidOperationException($"Schema folder '{schemaDirectory}' has no .sql files.");
        }

        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>An Azure SQL model of the scripts; each object's source name is its path under the folder.</summary>
    public static TSqlModel Load(string schemaDirectory)
    {
        var model = new TSqlModel(SqlServerVersion.SqlAzure, new TSqlModelOptions());
        try
        {
            foreach (var file in ScriptFiles(schemaDirectory))
            {
                var sourceName = Path.GetRelativePath(schemaDirectory, file).Replace('\\', '/');
                model.AddOrUpdateObjects(File.ReadAllText(file), sourceName, new TSqlObjectOptions());
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Validation errors (warnings are left out); empty when the model can be deployed.</summary>
    public static IReadOnlyList<string> Errors(TSqlModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Validate()
            .Where(message => message.MessageType == DacMessageType.Error)
            .Select(message => message.ToString())
            .ToList();
    }
}
