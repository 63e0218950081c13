using AzureSqlFunctions.TestPeers.FunctionsHost;
using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Tests.TestPeers.FunctionsHost;

/// <summary>How the peer picks the function for a request: host.json's prefix, the indexed routes and methods.</summary>
internal sealed class HttpRouteTableTests
{
    private static readonly IndexedFunction[] Functions =
    [
        Http("ListItems", "items", "get"),
        Http("CreateItem", "items", "post"),
        Http("GetItem", "items/{id}", "get"),
        Http("NewestItem", "items/newest", "get"),
        Http("Page", "pages/{n:int}/{title?}", "get"),
        Http("Files", "files/{*path}", null),
        Http("Named", null, "get"),
        Timer("Nightly"),
    ];

    [TestCase("GET", "/api/items", "ListItems")]
    [TestCase("POST", "/api/items", "CreateItem")]
    [TestCase("get", "/API/Items/", "ListItems")]
    [TestCase("GET", "/api/items/newest", "NewestItem")]
    [TestCase("GET", "/api/items/42", "GetItem")]
    [TestCase("GET", "/api/pages/3", "Page")]
    [TestCase("GET", "/api/pages/3/intro", "Page")]
    [TestCase("DELETE", "/api/files/a/b.txt", "Files")]
    [TestCase("GET", "/api/Named", "Named")]
    public void Routes_a_request_to_the_function_whose_route_and_methods_match(string method, string path, string function)
    {
        var (route, _) = new HttpRouteTable(Functions, "api").Match(method, new PathString(path));

        Assert.That(route.Function.Name, Is.EqualTo(function));
    }

    [Test]
    public void Route_values_come_decoded_and_an_unused_optional_one_is_absent()
    {
        var table = new HttpRouteTable(Functions, "api");

        var (_, item) = table.Match("GET", PathString.FromUriComponent("/api/items/a%20b"));
        var (_, page) = table.Match("GET", new PathString("/api/pages/7"));
        var (_, file) = table.Match("GET", new PathString("/api/files/a/b.txt"));

        Assert.Multiple(() =>
        {
            Assert.That(item["id"], Is.EqualTo("a b"));
            Assert.That(page["n"], Is.EqualTo("7"));
            Assert.That(page.ContainsKey("title"), Is.False);
            Assert.That(file["path"], Is.EqualTo("a/b.txt"));
        });
    }

    [TestCase("", "/items/1")]
    [TestCase("v1/public", "/v1/public/items/1")]
    public void The_route_prefix_comes_from_host_json_and_may_be_empty(string prefix, string path)
    {
        var (route, _) = new HttpRouteTable(Functions, prefix).Match("GET", new PathString(path));

        Assert.That(route.Function.Name, Is.EqualTo("GetItem"));
    }

    [TestCase("GET", "/api/nothing", "no indexed HTTP function's route matches")]
    [TestCase("GET", "/api/pages/three", "no indexed HTTP function's route matches")]
    [TestCase("GET", "/items/1", "no indexed HTTP function's route matches")]
    [TestCase("PUT", "/api/items", "matches ListItems (get), CreateItem (post) but not for PUT")]
    public void A_request_no_function_takes_is_refused_with_what_matched_and_what_the_host_would_do(string method, string path, string detail)
    {
        var table = new HttpRouteTable(Functions, "api");

        var refused = Assert.Throws<NoMatchingFunctionException>(() => table.Match(method, new PathString(path)));

        Assert.That(refused!.Message, Does.Contain(detail).And.Contain("404/405"));
    }

    private static IndexedFunction Http(string name, string? route, string? method)
    {
        var methods = method is null ? string.Empty : $", \"methods\": [\"{method}\"]";
        var routeJson = route is null ? string.Empty : $", \"route\": \"{route}\"";
        return Function(name, $"{{\"name\": \"req\", \"type\": \"httpTrigger\", \"direction\": \"In\", \"authLevel\": \"Function\"{methods}{routeJson}}}");
    }

    private static IndexedFunction Timer(string name) =>
        Function(name, "{\"name\": \"timer\", \"type\": \"timerTrigger\", \"direction\": \"In\", \"schedule\": \"0 0 3 * * *\"}");

    private static IndexedFunction Function(string name, string trigger) =>
        new(name, name + "-id", "App." + name, "App.dll", "dotnet-isolated", [FunctionBinding.Parse(trigger)], null, new Dictionary<string, string>(), null);
}
