using AzureSqlFunctions.Database.Grants;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

[TestFixture]
internal sealed class IdentityGrantTests
{
    private const string ObjectId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
    private const string ClientId = "0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d";

    [Test]
    public void Keeps_the_trimmed_name_and_the_parsed_ids()
    {
        var grant = IdentityGrant.Create("  func-todos ", " " + ObjectId.ToUpperInvariant() + " ", ClientId.ToUpperInvariant());

        Assert.Multiple(() =>
        {
            Assert.That(grant.Name, Is.EqualTo("func-todos"));
            Assert.That(grant.ObjectId, Is.EqualTo(Guid.Parse(ObjectId)));
            Assert.That(grant.ClientId, Is.EqualTo(Guid.Parse(ClientId)));
        });
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("app\nname")]
    [TestCase("app\0name")]
    public void Rejects_a_blank_name_or_one_with_control_characters(string name) =>
        Assert.Throws<ArgumentException>(() => IdentityGrant.Create(name, ObjectId, ClientId));

    [Test]
    public void Rejects_a_name_longer_than_sysname()
    {
        Assert.Multiple(() =>
        {
            Assert.That(IdentityGrant.Create(new string('a', IdentityGrant.MaxNameLength), ObjectId, ClientId).Name, Has.Length.EqualTo(128));
            Assert.Throws<ArgumentException>(() => IdentityGrant.Create(new string('a', IdentityGrant.MaxNameLength + 1), ObjectId, ClientId));
        });
    }

    [TestCase("")]
    [TestCase("{not a guid}")]
    [TestCase("00000000-0000-0000-0000-000000000000")]
    public void Rejects_an_object_id_that_is_not_a_real_guid(string objectId)
    {
        var error = Assert.Throws<ArgumentException>(() => IdentityGrant.Create("app", objectId, ClientId));

        Assert.That(error!.Message, Does.Contain("is not an object id"));
    }

    [TestCase("")]
    [TestCase("client")]
    [TestCase("00000000-0000-0000-0000-000000000000")]
    public void Rejects_a_client_id_that_is_not_a_real_guid(string clientId)
    {
        var error = Assert.Throws<ArgumentException>(() => IdentityGrant.Create("app", ObjectId, clientId));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ParamName, Is.EqualTo("clientId"));
            Assert.That(error.Message, Does.Contain("is not a client id"));
        });
    }
}
