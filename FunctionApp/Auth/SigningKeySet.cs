using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// One fetch of the tenant's signing keys, with the validation parameters that trust exactly those keys, and when they
/// are due to be read again.
/// </summary>
internal sealed record SigningKeySet(IReadOnlyCollection<SecurityKey> Keys, TokenValidationParameters Parameters, DateTimeOffset FetchedAt, DateTimeOffset RefreshDue);
