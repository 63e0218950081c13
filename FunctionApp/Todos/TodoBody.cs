namespace AzureSqlFunctions.Todos;

/// <summary>
/// The JSON body of POST and PUT, exactly as sent. <see cref="DueAt"/> stays text here so that a date without an
/// offset can be refused (System.Text.Json would silently assume the server's offset).
/// </summary>
internal sealed class TodoBody
{
    public string? Title { get; set; }

    public string? Notes { get; set; }

    public string? DueAt { get; set; }

    public bool? IsDone { get; set; }
}
