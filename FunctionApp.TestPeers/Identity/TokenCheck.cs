namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>What validating a presented token found. <see cref="ObjectId"/> is set whenever the token could be read.</summary>
public sealed record TokenCheck(bool IsValid, string? ObjectId, string? Failure)
{
    public static TokenCheck Valid(string objectId) => new(true, objectId, null);

    public static TokenCheck Invalid(string? objectId, string failure) => new(false, objectId, failure);
}
