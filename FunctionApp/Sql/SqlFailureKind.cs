namespace AzureSqlFunctions.Sql;

/// <summary>How an invocation's SQL failure should be answered.</summary>
internal enum SqlFailureKind
{
    /// <summary>Not a SQL/token availability problem: let it propagate.</summary>
    None,

    /// <summary>Azure SQL is busy, resuming or unreachable; retrying later should work.</summary>
    Transient,

    /// <summary>No access token could be had (credential down, identity endpoint failing, az logged out).</summary>
    TokenUnavailable,

    /// <summary>Azure SQL refused the token (error 18456): the identity is not a user of the database.</summary>
    LoginRejected,

    /// <summary>No pooled connection came free in time (Max Pool Size reached).</summary>
    PoolExhausted,
}
