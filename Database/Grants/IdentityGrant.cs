namespace AzureSqlFunctions.Database.Grants;

/// <summary>
/// The app's managed identity as the database will know it: a user name and the Entra object (principal) id.
/// Only <see cref="Create"/> makes one, so every instance has already been validated.
/// </summary>
internal sealed record IdentityGrant
{
    // sysname is nvarchar(128).
    public const int MaxNameLength = 128;

    private IdentityGrant(string name, Guid objectId)
    {
        Name = name;
        ObjectId = objectId;
    }

    public string Name { get; }

    public Guid ObjectId { get; }

    /// <exception cref="ArgumentException">The name is blank, too long or has control characters, or the id is not a Guid.</exception>
    public static IdentityGrant Create(string name, string objectId)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(objectId);
        var trimmed = name.Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException("The identity name must not be blank.", nameof(name));
        }

        if (trimmed.Length > MaxNameLength)
        {
            throw new ArgumentException($"The identity name is longer than {MaxNameLength} characters.", nameof(name));
        }

        if (trimmed.Any(char.IsControl))
        {
            throw new ArgumentException("The identity name must not contain control characters.", nameof(name));
        }

        if (!Guid.TryParse(objectId.Trim(), out var id) || id == Guid.Empty)
        {
            throw new ArgumentException($"'{objectId}' is not an object id (a non-empty Guid such as 00000000-0000-0000-0000-000000000000 with real digits).", nameof(objectId));
        }

        return new IdentityGrant(trimmed, id);
    }
}
