using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.Database.Upgrades;

namespace AzureSqlFunctions.Database.Cli;

/// <summary>
/// Parses <c>deploy --server … --database … [--grant … --grant-object-id … --grant-client-id …]
/// [--owner-of-existing-rows …] [--dry-run]</c>.
/// </summary>
internal static class DeployCommandLine
{
    public const string HelpText = """
        Deploys the schema in Schema/*.sql to an Azure SQL database and grants the app's managed identity access.

        Usage:
          dotnet run --project Database -- deploy --server <fqdn> --database <name>
                                               [--grant <identity name> --grant-object-id <guid>
                                                --grant-client-id <guid>]
                                               [--owner-of-existing-rows <tid>:<oid>] [--dry-run]

        Options:
          --server <fqdn>            Azure SQL logical server, e.g. contoso.database.windows.net
          --database <name>          Target database; it must already exist.
          --grant <identity name>    Database user name for the app's managed identity: its display name (the
                                     identity resource's name; an app's name for a system-assigned one). Azure
                                     SQL expects the user name to begin with that display name.
          --grant-object-id <guid>   The managed identity's OBJECT (principal) id, not its client id:
                                     `az identity show -n <name> -g <rg> --query principalId` or the Bicep output
                                     identity.properties.principalId. Azure SQL's CREATE USER … WITH OBJECT_ID
                                     looks the principal up by this id, so a duplicate display name cannot
                                     bind the user to another principal.
          --grant-client-id <guid>   The managed identity's CLIENT (application) id: `az identity show -n <name>
                                     -g <rg> --query clientId`. Azure SQL stores it as the user's SID; a user of
                                     the same name with another SID (a deleted and re-created identity, another
                                     principal) is reported, dropped and created again for this identity.
          --owner-of-existing-rows <tid>:<oid>
                                     Only for a database deployed before per-user data whose tables have
                                     rows: the user who owns them from now on (the tid and oid claims of
                                     that user's access token). Without it such a database is not changed.
          --dry-run                  Print the create script, the upgrade and the grant statements; connect
                                     to nothing.
          --help                     Show this text.

        Authentication: a Microsoft Entra access token from the Azure CLI (run `az login` first) for
        https://database.windows.net/.default. The signed-in account must be the server's Entra admin
        (or hold enough rights to alter the schema and create users). No passwords are used or accepted.

        Never drops data: the deploy blocks on possible data loss and leaves objects that are not in
        Schema/ alone. The grant is idempotent: the app gets db_datareader and db_datawriter, nothing more.
        The three --grant options go together.
        """;

    public const string DeployCommand = "deploy";

    /// <summary>Returns <see langword="null"/> when help was asked for; throws <see cref="CommandLineException"/> on bad input.</summary>
    public static DeployRequest? Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || IsHelp(args[0]))
        {
            return null;
        }

        if (!string.Equals(args[0], DeployCommand, StringComparison.Ordinal))
        {
            throw new CommandLineException($"Unknown command '{args[0]}'. The only command is '{DeployCommand}'.");
        }

        var values = ReadOptions(args.Skip(1).ToList());
        if (values.Help)
        {
            return null;
        }

        var server = Required(values.Options, "--server");
        var database = Required(values.Options, "--database");
        return new DeployRequest(server, database, ReadGrant(values.Options), values.DryRun, ReadExistingRowsOwner(values.Options));
    }

    private static bool IsHelp(string arg) => arg is "--help" or "-h" or "help";

    private static (Dictionary<string, string> Options, bool DryRun, bool Help) ReadOptions(List<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var dryRun = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (IsHelp(arg))
            {
                return (options, dryRun, true);
            }

            if (arg == "--dry-run")
            {
                dryRun = true;
                continue;
            }

            if (arg is not ("--server" or "--database" or "--grant" or "--grant-object-id" or "--grant-client-id" or OwnerColumnUpgrade.OwnerOption))
            {
                throw new CommandLineException($"Unknown option '{arg}'.");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new CommandLineException($"Option '{arg}' needs a value.");
            }

            if (!options.TryAdd(arg, args[++i]))
            {
                throw new CommandLineException($"Option '{arg}' is given more than once.");
            }
        }

        return (options, dryRun, false);
    }

    private static string Required(Dictionary<string, string> options, string name)
    {
        if (!options.TryGetValue(name, out var value) || string.IsNullOrWhiteSpace(value))
        {
            throw new CommandLineException($"Missing required option '{name}'.");
        }

        return value.Trim();
    }

    private static ExistingRowsOwner? ReadExistingRowsOwner(Dictionary<string, string> options)
    {
        if (!options.TryGetValue(OwnerColumnUpgrade.OwnerOption, out var value))
        {
            return null;
        }

        try
        {
            return ExistingRowsOwner.Parse(value);
        }
        catch (ArgumentException)
        {
            throw new CommandLineException(
                $"Option '{OwnerColumnUpgrade.OwnerOption}' takes <tenant id>:<object id>, two Guids (the tid and oid claims of the user's access token); got '{value}'.");
        }
    }

    private static readonly string[] GrantOptions = ["--grant", "--grant-object-id", "--grant-client-id"];

    private static IdentityGrant? ReadGrant(Dictionary<string, string> options)
    {
        var given = GrantOptions.Where(options.ContainsKey).ToList();
        if (given.Count == 0)
        {
            return null;
        }

        if (given.Count < GrantOptions.Length)
        {
            throw new CommandLineException(
                $"'--grant', '--grant-object-id' and '--grant-client-id' go together: missing {string.Join(", ", GrantOptions.Except(given).Select(option => $"'{option}'"))}.");
        }

        try
        {
            return IdentityGrant.Create(options["--grant"], options["--grant-object-id"], options["--grant-client-id"]);
        }
        catch (ArgumentException e)
        {
            throw new CommandLineException(e.Message, e);
        }
    }
}
