namespace AzureSqlFunctions.TestPeers.AzCli;

/// <summary>The options of <c>az account get-access-token</c> the stand-in understands.</summary>
internal sealed record GetAccessTokenArguments(string? Resource, string? Scope, string? Tenant, string? Subscription, string? Output)
{
    /// <summary>Parses <c>account get-access-token [--resource R | --scope S] [--tenant T] [--subscription S] [--output json]</c>.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out GetAccessTokenArguments parsed, out string error)
    {
        parsed = new GetAccessTokenArguments(null, null, null, null, null);
        error = string.Empty;
        if (args.Count < 2 || args[0] != "account" || args[1] != "get-access-token")
        {
            error = $"ERROR: '{string.Join(' ', args.Take(2))}' is misspelled or not recognized by the system (az stand-in knows only 'account get-access-token').";
            return false;
        }

        for (var i = 2; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                error = $"ERROR: argument {name}: expected one argument";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--resource":
                    parsed = parsed with { Resource = value };
                    break;
                case "--scope":
                    parsed = parsed with { Scope = value };
                    break;
                case "--tenant" or "-t":
                    parsed = parsed with { Tenant = value };
                    break;
                case "--subscription":
                    parsed = parsed with { Subscription = value };
                    break;
                case "--output" or "-o":
                    parsed = parsed with { Output = value };
                    break;
                default:
                    error = $"ERROR: unrecognized arguments: {name}";
                    return false;
            }
        }

        if (parsed.Resource is not null && parsed.Scope is not null)
        {
            error = "ERROR: usage error: --resource and --scope are mutually exclusive.";
            return false;
        }

        return true;
    }
}
