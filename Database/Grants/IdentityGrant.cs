namespace AzureSqlFunctions.Database.Grants;

/// <summary>
/// The app's managed identity as the database will know it: a user name, the Entra object (principal) id that
/// <c>CREATE USER … WITH OBJECT_ID</c> looks the principal up by, and the client (application) id, which is the
/// SID Azure SQL gives that user. Only <see cref="Create"/> makes one, so every instance has already been validated.
/// </summary>
internal sealed record IdentityGrant
{
    // sysname is nvarchar(128).
    public const int MaxNameLength = 128;

    private IdentityGrant(string name, Guid objectId, Guid clientId)
    {
        Name = name;
        ObjectId = objectId;
        ClientId = clientId;
    }

    public string Name { get; }

    public Guid ObjectId { get; }

    public Guid ClientId { get; }

    /// <exception cref="ArgumentException">The name is blank, too long or has control characters, or an id is not a Guid.</exception>
    public static IdentityGrant Create(string name, string objectId, string clientId)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(objectId);
        ArgumentNullException.ThrowIfNull(clientId);
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

        return new IdentityGrant(trimmed, ParseId(objectId, "an object id", nameof(objectId)), ParseId(clientId, "a client id", nameof(clientId)));
    }

    private static Guid ParseId(string text, string what, string parameterName) =>
        Guid.TryParse(text.Trim(), out var id) && id != Guid.Empty
            ? id
            : throw new ArgumentException($"'{text}' is not {what} (a non-empty Guid such as 00000000-0000-0000-0000-000000000000 with real digits).", parameterName);
}
