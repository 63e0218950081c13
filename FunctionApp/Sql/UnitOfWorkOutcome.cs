namespace AzureSqlFunctions.Sql;

/// <summary>What became of an invocation's writes, as far as the app can know it.</summary>
internal enum UnitOfWorkOutcome
{
    /// <summary>No unit of work was begun: the invocation wrote nothing (HTTP writes always run in one).</summary>
    None,

    /// <summary>The server acknowledged the COMMIT.</summary>
    Committed,

    /// <summary>
    /// Nothing was saved: the server acknowledged the ROLLBACK, or the session broke before any COMMIT was sent (the
    /// server rolls back the open transaction of a session that ends).
    /// </summary>
    RolledBack,

    /// <summary>A COMMIT was sent and not acknowledged, or a ROLLBACK got no answer in time: saved or not, nobody here knows.</summary>
    Unknown,
}
