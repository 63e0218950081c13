namespace AzureSqlFunctions.Tests.Todos;

/// <summary>A row of the <c>dbo.TodoCreateRequests</c> that <see cref="TodoTable"/> plays.</summary>
internal sealed record StoredCreateRequest(string Key, byte[] RequestHash, long TodoId, string Response, DateTimeOffset CreatedAt)
{
    /// <summary>The owner whose key it is; null when a test adds one: the table's default owner.</summary>
    public string? OwnerId { get; init; }
}
