using Azure.Identity;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>Tells apart the failures an HTTP invocation answers with 503 from the bugs it must not hide.</summary>
internal static class SqlFailureClassifier
{
    /// <summary>Login failed (the token was refused).</summary>
    public const int LoginFailed = 18456;

    /// <summary>SqlClient's number for a connection or command timeout.</summary>
    public const int Timeout = -2;

    public static SqlFailureKind Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = Inner(current))
        {
            var kind = current switch
            {
                AccessTokenUnavailableException or AuthenticationFailedException or CredentialUnavailableException => SqlFailureKind.TokenUnavailable,
                SqlException sql when sql.Number == LoginFailed => SqlFailureKind.LoginRejected,
                SqlException sql when AzureSqlTransientErrors.Numbers.Contains(sql.Number) || AzureSqlTransientErrors.StatementNumbers.Contains(sql.Number) || sql.Number == Timeout || sql.Class >= 20 => SqlFailureKind.Transient,
                TimeoutException => SqlFailureKind.Transient,
                InvalidOperationException ioe when IsPoolTimeout(ioe) => SqlFailureKind.PoolExhausted,
                _ => SqlFailureKind.None,
            };
            if (kind != SqlFailureKind.None)
            {
                return kind;
            }
        }

        return SqlFailureKind.None;
    }

    /// <summary>Whether a SQL error numbered <paramref name="number"/> is among the causes of <paramref name="exception"/>.</summary>
    public static bool HasError(Exception exception, int number)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = Inner(current))
        {
            if (current is SqlException sql && sql.Errors.Cast<SqlError>().Any(e => e.Number == number))
            {
                return true;
            }
        }

        return false;
    }

    private static Exception? Inner(Exception exception) => exception is AggregateException { InnerExceptions.Count: > 0 } aggregate
        ? aggregate.InnerExceptions[^1]
        : exception.InnerException;

    // SqlClient reports an exhausted pool as InvalidOperationException with this wording (no error number).
    private static bool IsPoolTimeout(InvalidOperationException exception) =>
        exception.Message.Contains("obtaining a connection from the pool", StringComparison.OrdinalIgnoreCase);
}
