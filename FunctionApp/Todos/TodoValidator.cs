using System.Globalization;
using System.Text.RegularExpressions;
using AzureSqlFunctions.Http;
using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Todos;

/// <summary>The rules for a todo body; every broken rule is reported at once, under the field's JSON name.</summary>
internal static partial class TodoValidator
{
    /// <summary>nvarchar(200): SQL counts UTF-16 code units, so does this (an emoji counts as 2).</summary>
    public const int MaxTitleLength = 200;

    public const int MaxNotesLength = 10_000;

    /// <summary>The body of POST and PUT, read (415, 413, 400 malformed) and validated (400 naming each bad field).</summary>
    public static async Task<Checked<TodoInput>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await JsonBodyReader.ReadAsync<TodoBody>(request, cancellationToken);
        if (body.Problem is { } problem)
        {
            return Checked<TodoInput>.Invalid(problem);
        }

        var input = Validate(body.Value!, out var errors);
        return input is null ? Checked<TodoInput>.Invalid(ApiProblems.Validation(errors)) : Checked<TodoInput>.Valid(input);
    }

    public static TodoInput? Validate(TodoBody body, out Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(body);
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        var title = body.Title?.Trim();
        if (body.Title is null)
        {
            errors["title"] = ["Is required."];
        }
        else if (title!.Length == 0)
        {
            errors["title"] = ["Must not be empty or only whitespace."];
        }
        else if (title.Length > MaxTitleLength)
        {
            errors["title"] = [$"Must be at most {MaxTitleLength} characters after trimming."];
        }

        if (body.Notes is { Length: > MaxNotesLength })
        {
            errors["notes"] = [$"Must be at most {MaxNotesLength} characters."];
        }

        DateTimeOffset? dueAt = null;
        if (body.DueAt is not null)
        {
            if (TryParseDueAt(body.DueAt, out var parsed))
            {
                dueAt = parsed;
            }
            else
            {
                errors["dueAt"] = ["Must be an ISO 8601 date and time with an offset, e.g. 2026-12-01T09:30:00+01:00 or 2026-12-01T08:30:00Z."];
            }
        }

        return errors.Count == 0 ? new TodoInput(title!, body.Notes, dueAt, body.IsDone ?? false) : null;
    }

    /// <summary>Only full date-times that carry their offset: a bare local time would be stored at the wrong instant.</summary>
    internal static bool TryParseDueAt(string text, out DateTimeOffset value)
    {
        value = default;
        return DueAtShape().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex DueAtShape();
}
