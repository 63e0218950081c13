using System.Data;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Database.Grants;

/// <summary>
/// Runs the grant on an open connection: reads which principals carry the grant's name or the identity's SID and
/// says what it found (a same-named user with another SID is reported before it is replaced), then runs the
/// statements of <see cref="GrantSql.For"/> in order.
/// </summary>
internal sealed class IdentityGrantRunner(TextWriter output)
{
    public async Task RunAsync(SqlConnection connection, IdentityGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(grant);
        var user = GrantSql.QuoteIdentifier(grant.Name);

        foreach (var principal in await ReadPrincipalsAsync(connection, grant, cancellationToken))
        {
            var sameName = string.Equals(principal.Name, grant.Name, StringComparison.OrdinalIgnoreCase);
            var line = (sameName, principal.IsIdentity) switch
            {
                (true, true) => $"Database user {user} exists with the identity's SID: kept.",
                (true, false) => $"Database {principal.Type} {user} has {principal.SidText}, not the identity's (client id {grant.ClientId:D}): it is dropped and created again for the identity.",
                (false, true) => $"The identity (client id {grant.ClientId:D}) is already database {principal.Type} {GrantSql.QuoteIdentifier(principal.Name)}.",
                (false, false) => null,
            };
            if (line is not null)
            {
                await output.WriteLineAsync(line);
            }
        }

        foreach (var statement in GrantSql.For(grant))
        {
            await using var command = Command(connection, statement.Text, grant);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await output.WriteLineAsync($"Granted {GrantSql.ReaderRole} and {GrantSql.WriterRole} to {user} (object id {grant.ObjectId:D}, client id {grant.ClientId:D}).");
    }

    private static async Task<List<ExistingPrincipal>> ReadPrincipalsAsync(SqlConnection connection, IdentityGrant grant, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, GrantSql.Principals, grant);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var principals = new List<ExistingPrincipal>();
        while (await reader.ReadAsync(cancellationToken))
        {
            principals.Add(new ExistingPrincipal(
                reader.GetString(0),
                reader.IsDBNull(1) ? "principal" : reader.GetString(1).ToLowerInvariant().Replace('_', ' '),
                reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2),
                reader.GetBoolean(3)));
        }

        return principals;
    }

    private static SqlCommand Command(SqlConnection connection, string text, IdentityGrant grant)
    {
        var command = new SqlCommand(text, connection);
        command.Parameters.Add(new SqlParameter(GrantSql.NameParameter, SqlDbType.NVarChar, IdentityGrant.MaxNameLength) { Value = grant.Name });
        command.Parameters.Add(new SqlParameter(GrantSql.ClientIdParameter, SqlDbType.UniqueIdentifier) { Value = grant.ClientId });
        return command;
    }
}
