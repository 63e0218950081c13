using System.Globalization;
using AzureSqlFunctions.Auth;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The owner of the rows a caller creates and may reach: <c>&lt;tid&gt;:&lt;oid&gt;</c> of the caller's token, both
/// Guids in lowercase "D" form (73 characters, the <c>OwnerId char(73)</c> columns). The object id alone names a user
/// or service principal within its tenant only; with the tenant it stays unique should the API ever accept more than
/// one. One text key keeps the row-level security predicate a single comparison with the session context.
/// </summary>
internal static class OwnerId
{
    public const int Length = 73;

    public static string Of(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return string.Create(CultureInfo.InvariantCulture, $"{caller.TenantId:D}:{caller.ObjectId:D}");
    }
}
