using System.Text.Json;

namespace AzureSqlFunctions.Testing;

/// <summary>What the client receives: status, headers (case-insensitive; repeated values joined) and the body text.</summary>
internal sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.TryGetValue("Content-Type", out var value) ? value : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body parsed as JSON; fails the test when it is empty or not JSON.</summary>
    public JsonElement Json()
    {
        if (Body.Length == 0)
        {
            throw new InvalidOperationException($"The {Status} answer has no body.");
        }

        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"{Status} {ContentType} {Body}";
}
