using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Http;

/// <summary>The 503 answers for SQL and token failures an HTTP caller can do nothing about but retry later.</summary>
internal static class SqlFailureProblems
{
    /// <summary>The problem for <paramref name="kind"/>, or null when the failure is not one to answer with 503.</summary>
    public static ProblemDetails? For(SqlFailureKind kind, string? invocationId) => kind switch
    {
        SqlFailureKind.Transient => Unavailable(ProblemTypes.DatabaseUnavailable, "The database is temporarily unavailable.", "Azure SQL answered with a transient error or did not answer in time.", TimeSpan.FromSeconds(5), invocationId),
        SqlFailureKind.TokenUnavailable => Unavailable(ProblemTypes.TokenUnavailable, "No access token for the database.", "The app could not get an Entra ID access token for Azure SQL.", TimeSpan.FromSeconds(10), invocationId),
        SqlFailureKind.LoginRejected => Unavailable(ProblemTypes.AuthenticationFailed, "Authentication to the database failed.", "Azure SQL refused the app's identity (error 18456). An operator must grant it access.", TimeSpan.FromSeconds(60), invocationId),
        SqlFailureKind.PoolExhausted => Unavailable(ProblemTypes.ConnectionPoolExhausted, "Too many requests for the database.", "No database connection came free in time.", TimeSpan.FromSeconds(2), invocationId),
        _ => null,
    };

    /// <summary>The invocation was cancelled (host shutting down or timing out) before it finished; nothing was committed.</summary>
    public static ProblemDetails Cancelled(string? invocationId) => Unavailable(
        ProblemTypes.RequestCancelled, "The request was cancelled.", "The request was cancelled before it finished; nothing was saved.", TimeSpan.FromSeconds(1), invocationId);

    private static ProblemDetails Unavailable(string type, string title, string detail, TimeSpan retryAfter, string? invocationId) => new()
    {
        Type = type,
        Title = title,
        Status = 503,
        Detail = detail,
        InvocationId = invocationId,
        RetryAfter = retryAfter,
    };
}
