namespace AzureSqlFunctions.Auth;

/// <summary>Who a validated token speaks for.</summary>
public enum CallerKind
{
    /// <summary>A signed-in user, through a client app holding the delegated scope.</summary>
    User,

    /// <summary>A service calling as itself (client credentials), holding the app role.</summary>
    Application,
}
