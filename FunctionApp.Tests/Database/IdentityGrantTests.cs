using AzureSqlFunctions.Database.Grants;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

[TestFixture]
internal sealed class IdentityGrantTests
{
    private const string ObjectId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";

    [Test]
    public void Keeps_the_trimmed_name_and_the_parsed_object_id()
    {
        var grant = IdentityGrant.Create("  func-todos ", " " + ObjectId.ToUpperInvariant() + " ");

        Assert.Multiple(() =>
        {
            Assert.That(grant.Name, Is.EqualTo("func-todos"));
            Assert.That(grant.ObjectId, Is.EqualTo(Guid.Parse(ObjectId)));
        });
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("app\nname")]
    [TestCase("app\0name")]
    public void Rejects_a_blank_name_or_one_with_control_characters(string name) =>
        Assert.Throws<ArgumentException>(() => IdentityGrant.Create(name, ObjectId));

    [Test]
    public void Rejects_a_name_longer_than_sysname()
    {
        Assert.Multiple(() =>
        {
            Assert.That(IdentityGrant.Create(new string('a', IdentityGrant.MaxNameLength), ObjectId).Name, Has.Length.EqualTo(128));
            Assert.Throws<ArgumentException>(() => IdentityGrant.Create(new string('a', IdentityGrant.MaxNameLength + 1), ObjectId));
        });
    }

    [TestCase("")]
    [TestCase("{not a guid}")]
    [TestCase("00000000-0000-0000-0000-000000000000")]
    public void Rejects_an_object_id_that_is_not_a_real_guid(string objectId) =>
        Assert.Throws<ArgumentException>(() => IdentityGrant.Create("app", objectId));
}
