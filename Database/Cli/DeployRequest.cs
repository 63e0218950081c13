using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.Database.Upgrades;

namespace AzureSqlFunctions.Database.Cli;

/// <summary>What one <c>deploy</c> run is asked to do, already validated.</summary>
/// <param name="Server">Fully qualified server name, e.g. <c>contoso.database.windows.net</c>.</param>
/// <param name="Database">Target database (it must exist; the Bicep template creates it).</param>
/// <param name="Grant">The app identity to create a user for and add to the data roles, if any.</param>
/// <param name="DryRun">Print the scripts instead of connecting.</param>
/// <param name="ExistingRowsOwner">Who owns the rows of a database deployed before per-user data, if any.</param>
internal sealed record DeployRequest(string Server, string Database, IdentityGrant? Grant, bool DryRun, ExistingRowsOwner? ExistingRowsOwner = null);
