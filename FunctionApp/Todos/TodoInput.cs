namespace AzureSqlFunctions.Todos;

/// <summary>A validated todo body: title trimmed, due date with its offset, defaults applied.</summary>
internal sealed record TodoInput(string Title, string? Notes, DateTimeOffset? DueAt, bool IsDone);
