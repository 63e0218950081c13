using Microsoft.Identity.Client;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// MSAL keeps managed-identity tokens in a static, process-wide cache: once any test got a token for an
/// identity and resource, later credentials (new instances, other endpoints) get that token without a request.
/// Tests that count requests at the managed-identity endpoint reset it first.
/// </summary>
internal static class MsalSharedState
{
    public static void Reset() => ApplicationBase.ResetStateForTest();
}
