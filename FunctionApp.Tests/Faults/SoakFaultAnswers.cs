using System.Globalization;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// Aims a statement fault at exactly one soak invocation although 32 run at once: the fault travels in the
/// request's own parameters (a title suffix, an id range, a page size), and the peer answers the marked statement
/// with the fault instead of letting <see cref="TodoTable"/> run it. So a faulted write never changes the table.
/// </summary>
internal sealed class SoakFaultAnswers(TimeSpan hangAtMost)
{
    private int _hangsCancelled;
    private int _hangsTimedOut;
    /// <summary>Ids from here up are never created: a get or delete of one carries a fault in its value.</summary>
    public const long FaultIdBase = 1_000_000_000_000;

    /// <summary>A faulted list asks for this page size plus the fault's number (unfaulted lists ask for at most 50).</summary>
    public const int FaultLimitBase = 90;

    private const string TitleMarker = " fault:";

    /// <summary>Hung statements that ended because the client's attention cancelled them.</summary>
    public int HangsCancelled => Volatile.Read(ref _hangsCancelled);

    /// <summary>Hung statements still waiting at the bound: the client had gone without the peer cancelling them.</summary>
    public int HangsTimedOut => Volatile.Read(ref _hangsTimedOut);

    public static long MarkId(SoakFault fault, int number) => FaultIdBase + ((long)fault * 1_000_000) + number;

    public static string MarkTitle(string title, SoakFault fault) => title + TitleMarker + fault;

    public static bool IsMarked(string title) => title.Contains(TitleMarker, StringComparison.Ordinal);

    public static int MarkLimit(SoakFault fault) => FaultLimitBase + (int)fault;

    public async ValueTask<SqlResponse?> AnswerAsync(SqlRequest request, CancellationToken cancellation)
    {
        switch (FaultOf(request))
        {
            case SoakFault.Deadlock:
                return SqlResponse.Error(1205, "Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.", 13);
            case SoakFault.Drop:
                // A fatal (severity 20) error after the first row: SqlClient breaks the connection, as for a cut socket.
                return SqlResponse.Rows(TodoTable.Columns, FirstRow()).ThenError(10054, "soak fault: connection dropped mid-result", 20);
            case SoakFault.Hang:
                return await HangAsync(cancellation);
            default:
                return null;
        }
    }

    /// <summary>Until the client's attention arrives (then the peer answers DONE_ATTN), or an error at the bound.</summary>
    private async Task<SqlResponse?> HangAsync(CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(hangAtMost, cancellation);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _hangsCancelled);
            throw;
        }

        Interlocked.Increment(ref _hangsTimedOut);
        return SqlResponse.Error(-2, "soak fault: the hung statement's client never sent attention", 11);
    }

    private static SoakFault FaultOf(SqlRequest request) => request.Text switch
    {
        TodoSql.Insert or TodoSql.Replace => FaultOfTitle((string)request["@Title"]!),
        TodoSql.GetById or TodoSql.SoftDelete or TodoSql.CountLive => (long)request["@Id"]! >= FaultIdBase
            ? (SoakFault)(((long)request["@Id"]! - FaultIdBase) / 1_000_000)
            : SoakFault.None,
        // The list asks for one row more than the page.
        TodoSql.List or TodoSql.ListByDone => Convert.ToInt32(request["@Limit"], CultureInfo.InvariantCulture) - 1 is var limit && limit > FaultLimitBase
            ? (SoakFault)(limit - FaultLimitBase)
            : SoakFault.None,
        _ => SoakFault.None,
    };

    private static SoakFault FaultOfTitle(string title)
    {
        var at = title.LastIndexOf(TitleMarker, StringComparison.Ordinal);
        return at < 0 ? SoakFault.None : Enum.Parse<SoakFault>(title[(at + TitleMarker.Length)..]);
    }

    /// <summary>
    /// One row goes out (a single-row statement's whole answer but its end), then enumerating throws, which ends the
    /// peer's session: the socket closes mid-result.
    /// </summary>
    private static IEnumerable<object?[]> FirstRow()
    {
        var now = DateTimeOffset.UnixEpoch;
        yield return [1L, "partial", null, null, false, now, now, new byte[8]];
    }
}
