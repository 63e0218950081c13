namespace AzureSqlFunctions.Todos;

/// <summary>One page of todos; <see cref="Next"/> is the <c>after</c> value for the following page, null on the last.</summary>
internal sealed record TodoPage(IReadOnlyList<TodoItem> Items, string? Next);
