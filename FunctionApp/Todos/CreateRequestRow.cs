namespace AzureSqlFunctions.Todos;

/// <summary>A <c>dbo.TodoCreateRequests</c> row as the idempotent create reads it.</summary>
internal sealed class CreateRequestRow
{
    public byte[] RequestHash { get; set; } = [];

    public string Response { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
