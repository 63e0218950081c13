namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>An Entra principal the peers know: a managed identity, an app or a signed-in developer.</summary>
/// <param name="ObjectId">The <c>oid</c> claim; a TDS peer admits it only if it is on its contained-user list.</param>
/// <param name="AppId">The <c>appid</c> claim (the client id of a managed identity or app).</param>
/// <param name="Name">A display name, used in assertions and logs only.</param>
public sealed record TestPrincipal(string ObjectId, string AppId, string Name)
{
    public static TestPrincipal Create(string name) =>
        new(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), name);
}
