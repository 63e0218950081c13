namespace AzureSqlFunctions.Tests.Todos;

/// <summary>A row of <see cref="TodoTable"/>.</summary>
internal sealed class StoredTodo
{
    public long Id { get; init; }

    /// <summary>The owner's <c>&lt;tid&gt;:&lt;oid&gt;</c> (the OwnerId column).</summary>
    public string OwnerId { get; init; } = string.Empty;

    public string Title { get; set; } = string.Empty;

    public string? Notes { get; set; }

    public DateTimeOffset? DueAt { get; set; }

    public bool IsDone { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    public byte[] RowVersion { get; set; } = [];

    /// <summary>A copy a transaction changes, so the committed row stays as it was until the commit.</summary>
    public StoredTodo Copy() => new()
    {
        Id = Id, OwnerId = OwnerId, Title = Title, Notes = Notes, DueAt = DueAt, IsDone = IsDone, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        DeletedAt = DeletedAt, RowVersion = RowVersion,
    };
}
