using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;

namespace AzureSqlFunctions.Database.Deployment;

/// <summary>Turns the model into a dacpac in memory and into scripts, and fixes the deploy options.</summary>
internal static class SchemaPackage
{
    public const string PackageName = "AzureSqlFunctions";

    /// <summary>A dacpac of <paramref name="model"/>, built in memory (nothing written to disk).</summary>
    public static DacPackage Build(TSqlModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stream = new MemoryStream();
        try
        {
            var metadata = new PackageMetadata { Name = PackageName, Version = "1.0.0.0", Description = "AzureSqlFunctions schema" };
            DacPackageExtensions.BuildPackage(stream, model, metadata);
            stream.Position = 0;
            // The package reads from the stream while it lives; a MemoryStream holds no OS handle, so the GC may take both.
            return DacPackage.Load(stream, DacSchemaModelStorageType.Memory);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Options that never lose data: the deploy stops instead of dropping a column or table with rows, and
    /// objects present in the database but not in the schema (users, role members, anything added by hand) stay.
    /// </summary>
    public static DacDeployOptions SafeDeployOptions() => new()
    {
        BlockOnPossibleDataLoss = true,
        DropObjectsNotInSource = false,
        DropPermissionsNotInSource = false,
        DropRoleMembersNotInSource = false,
        // The database is created by the infrastructure (size, backup policy); the deploy only alters it.
        CreateNewDatabase = false,
        // The upgrade from before per-user data appends OwnerId (ALTER TABLE … ADD can do nothing else). Column
        // order is no reason to copy a table, and DacFx will not copy one under a row-level security policy.
        IgnoreColumnOrder = true,
    };

    /// <summary>The script that would create the schema in an empty database (needs no server).</summary>
    public static string CreateScript(DacPackage package, string databaseName)
    {
        ArgumentNullException.ThrowIfNull(package);
        return DacServices.GenerateCreateScript(package, databaseName, SafeDeployOptions());
    }
}
