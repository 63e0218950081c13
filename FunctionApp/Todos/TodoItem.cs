using System.Text.Json.Serialization;
using AzureSqlFunctions.Http;

namespace AzureSqlFunctions.Todos;

/// <summary>A todo as the API shows it; <see cref="ETag"/> is what a later PUT sends in If-Match.</summary>
internal sealed record TodoItem(
    long Id,
    string Title,
    string? Notes,
    DateTimeOffset? DueAt,
    bool IsDone,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("etag")] string ETag)
{
    public static TodoItem From(TodoRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.Id, row.Title, row.Notes, row.DueAt, row.IsDone, row.CreatedAt, row.UpdatedAt, EntityTag.FromRowVersion(row.RowVersion));
    }
}
