using System.Globalization;

namespace AzureSqlFunctions.Database.Upgrades;

/// <summary>
/// The owner given to rows from before per-user data: <c>&lt;tid&gt;:&lt;oid&gt;</c> of the user who should see them,
/// written as the app writes an owner (both Guids lowercase, "D" form: 73 characters, the <c>OwnerId char(73)</c>
/// column), so that user's signed-in requests match the rows byte for byte.
/// </summary>
internal sealed record ExistingRowsOwner(Guid TenantId, Guid ObjectId)
{
    public const int Length = 73;

    public string Value => string.Create(CultureInfo.InvariantCulture, $"{TenantId:D}:{ObjectId:D}");

    /// <summary>Parses <c>tid:oid</c>; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static ExistingRowsOwner Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().Split(':');
        if (parts.Length != 2
            || !Guid.TryParseExact(parts[0], "D", out var tenantId)
            || !Guid.TryParseExact(parts[1], "D", out var objectId)
            || tenantId == Guid.Empty
            || objectId == Guid.Empty)
        {
            throw new ArgumentException(
                $"'{text}' is not <tenant id>:<object id> (two Guids such as 72f988bf-86f1-41af-91ab-2d7cd011db47:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13: the tid and oid claims of the user's access token).",
                nameof(text));
        }

        return new ExistingRowsOwner(tenantId, objectId);
    }
}
