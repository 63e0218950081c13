namespace AzureSqlFunctions.Todos;

/// <summary>A <c>dbo.Todos</c> row as Dapper reads it (settable properties named like the columns).</summary>
internal sealed class TodoRow
{
    public long Id { get; set; }

    public string Title { get; set; } = string.Empty;

    public string? Notes { get; set; }

    public DateTimeOffset? DueAt { get; set; }

    public bool IsDone { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public byte[] RowVersion { get; set; } = [];
}
