namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>How the server mishandles the next COMMIT (<see cref="TdsFaults.FailNextCommit"/>).</summary>
public enum TdsCommitFault
{
    /// <summary>The transaction commits, then the socket closes before the answer: the client cannot know.</summary>
    DropAfterCommitting,

    /// <summary>The socket closes before the commit: the session ends and the transaction rolls back.</summary>
    DropBeforeCommitting,

    /// <summary>The transaction commits, but the answer never comes (until attention or the client closes).</summary>
    StallAfterCommitting,

    /// <summary>No answer and no commit, until attention or the client closes (then the transaction rolls back).</summary>
    StallBeforeCommitting,
}
