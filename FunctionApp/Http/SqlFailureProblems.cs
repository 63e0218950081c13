using System.Globalization;
using AzureSqlFunctions.Sql;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AzureSqlFunctions.Http;

/// <summary>The 503 answers for SQL and token failures an HTTP caller can do nothing about but retry later, with Retry-After.</summary>
internal static class SqlFailureProblems
{
    /// <summary>Azure SQL's 40501 says "retry the request after 10 seconds"; other transient errors a few seconds.</summary>
    public static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan TransientRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>The answer for <paramref name="exception"/> of <paramref name="kind"/>, or null when it is not one to answer with 503.</summary>
    public static HeaderedResult? For(SqlFailureKind kind, Exception exception, string invocationId) => kind switch
    {
        SqlFailureKind.Transient => Unavailable(
            ProblemTypes.DatabaseUnavailable,
            "The database is temporarily unavailable.",
            "Azure SQL answered with a transient error or did not answer in time.",
            SqlFailureClassifier.HasError(exception, AzureSqlTransientErrors.ServiceBusy) ? BusyRetryAfter : TransientRetryAfter,
            invocationId),
        SqlFailureKind.TokenUnavailable => Unavailable(ProblemTypes.TokenUnavailable, "No access token for the database.", "The app could not get an Entra ID access token for Azure SQL.", TimeSpan.FromSeconds(10), invocationId),
        SqlFailureKind.LoginRejected => Unavailable(ProblemTypes.AuthenticationFailed, "Authentication to the database failed.", "Azure SQL refused the app's identity (error 18456). An operator must grant it access.", TimeSpan.FromSeconds(60), invocationId),
        SqlFailureKind.PoolExhausted => Unavailable(ProblemTypes.ConnectionPoolExhausted, "Too many requests for the database.", "No database connection came free in time.", TimeSpan.FromSeconds(2), invocationId),
        _ => null,
    };

    /// <summary>The invocation was cancelled (host shutting down or timing out) before it finished; nothing was committed.</summary>
    public static HeaderedResult Cancelled(string invocationId) => Unavailable(
        ProblemTypes.RequestCancelled, "The request was cancelled.", "The request was cancelled before it finished; nothing was saved.", TimeSpan.FromSeconds(1), invocationId);

    /// <summary>
    /// The unit of work's COMMIT was sent but not acknowledged, or its ROLLBACK got no answer in time: the write may or
    /// may not have been saved. Retry a POST with the same Idempotency-Key (it creates at most once); read before
    /// repeating a PUT or DELETE.
    /// </summary>
    public static HeaderedResult OutcomeUnknown(string invocationId) => Unavailable(
        ProblemTypes.OutcomeUnknown,
        "The outcome of the request is unknown.",
        "The database did not confirm whether the change was saved. Retry a POST with the same Idempotency-Key, or read the resource before repeating the change.",
        TransientRetryAfter,
        invocationId);

    private static HeaderedResult Unavailable(string type, string title, string detail, TimeSpan retryAfter, string invocationId) => new(
        ApiProblems.Problem(type, title, StatusCodes.Status503ServiceUnavailable, detail, invocationId),
        new KeyValuePair<string, string>("Retry-After", RetryAfterSeconds(retryAfter)));

    /// <summary>The problem type of an answer made here, for logs.</summary>
    public static string? TypeOf(HeaderedResult answer) =>
        (answer ?? throw new ArgumentNullException(nameof(answer))).Inner is ProblemHttpResult problem ? problem.ProblemDetails.Type : null;

    /// <summary>Whole seconds, rounded up, as the Retry-After header wants them.</summary>
    public static string RetryAfterSeconds(TimeSpan delay) =>
        ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
