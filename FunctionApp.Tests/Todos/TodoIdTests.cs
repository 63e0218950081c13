using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>The {id} rule on its own, for what no HTTP request can carry to the app (ASP.NET Core refuses a NUL in a path).</summary>
public sealed class TodoIdTests
{
    [TestCase("1\0")]
    [TestCase("\0")]
    [TestCase("")]
    [TestCase(null)]
    public void Text_that_is_not_only_ascii_digits_is_not_an_id(string? text)
    {
        Assert.That(TodoId.TryParse(text, out _), Is.False);
    }

    [TestCase("1", 1L)]
    [TestCase("9223372036854775807", long.MaxValue)]
    public void Digits_from_1_to_long_MaxValue_are_ids(string text, long expected)
    {
        Assert.That(TodoId.TryParse(text, out var id), Is.True);
        Assert.That(id, Is.EqualTo(expected));
    }
}
