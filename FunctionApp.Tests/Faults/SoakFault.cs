namespace AzureSqlFunctions.Tests.Faults;

/// <summary>The fault a soak step meets (drawn from the fault matrix).</summary>
internal enum SoakFault
{
    None,

    /// <summary>The step's statement is answered with deadlock victim 1205 instead of running.</summary>
    Deadlock,

    /// <summary>The peer sends part of a result for the step's statement, then closes the session.</summary>
    Drop,

    /// <summary>The peer holds the step's statement until attention; the step's invocation is cancelled shortly after it starts.</summary>
    Hang,

    /// <summary>Before the step, the next two logins fail with 40613 (the retry provider absorbs them).</summary>
    TransientLogins,

    /// <summary>Before the step, the next login is refused with 18456 (not retried: that invocation answers 503).</summary>
    RefusedLogin,

    /// <summary>Before the step, the next COMMIT (whoever sends it) commits and loses its answer: outcome unknown.</summary>
    CommitAnswerLost,

    /// <summary>Before the step, the next COMMIT's socket closes before it commits: outcome unknown, nothing saved.</summary>
    CommitDropped,
}
