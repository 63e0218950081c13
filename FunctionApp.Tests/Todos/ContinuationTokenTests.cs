using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Todos;

internal sealed class ContinuationTokenTests
{
    [TestCase(1L)]
    [TestCase(42L)]
    [TestCase(long.MaxValue)]
    public void Round_trips_any_positive_id(long id)
    {
        var token = ContinuationToken.Encode(id);

        Assert.That(ContinuationToken.TryDecode(token, out var decoded), Is.True);
        Assert.That(decoded, Is.EqualTo(id));
        Assert.That(token, Does.Match("^[A-Za-z0-9_-]+$"), "URL-safe without escaping");
    }

    [TestCase("")]
    [TestCase("AAAAAAAAAAA=")]
    [TestCase("AAAAAAAAAAA")]
    [TestCase("gAAAAAAAAAA")]
    [TestCase("AAAAAAAAACo+")]
    [TestCase("AAAAAAAAACoAAAAAAAAAACo")]
    public void Rejects_tokens_it_did_not_make(string token) =>
        Assert.That(ContinuationToken.TryDecode(token, out _), Is.False);
}
