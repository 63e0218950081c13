using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>The indexed HTTP functions' routes, most specific first, as the host matches an incoming request.</summary>
internal sealed class HttpRouteTable
{
    private readonly IReadOnlyList<HttpRoute> _routes;

    public HttpRouteTable(IEnumerable<IndexedFunction> functions, string routePrefix)
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        var constraints = new DefaultInlineConstraintResolver(Options.Create(new RouteOptions()), services);
        _routes = [.. functions
            .Select(function => (function, trigger: function.Trigger))
            .Where(pair => pair.trigger is { IsHttpTrigger: true })
            .Select(pair => new HttpRoute(pair.function, pair.trigger!, routePrefix, constraints))
            .OrderBy(route => route.Precedence)];
    }

    /// <summary>The function for <paramref name="method"/> <paramref name="path"/> and its route values.</summary>
    /// <exception cref="NoMatchingFunctionException">No route matches, or none of those that match allows the method.</exception>
    public (HttpRoute Route, RouteValueDictionary Values) Match(string method, PathString path)
    {
        var pathMatches = new List<HttpRoute>();
        foreach (var route in _routes)
        {
            if (route.Match(path) is not { } values)
            {
                continue;
            }

            if (route.AllowsMethod(method))
            {
                return (route, values);
            }

            pathMatches.Add(route);
        }

        var known = string.Join("; ", _routes.Select(route => $"{route.Template} ({route.Methods})"));
        var detail = pathMatches.Count == 0
            ? $"no indexed HTTP function's route matches the path (routes: {known})"
            : $"the path matches {string.Join(", ", pathMatches.Select(route => $"{route.Function.Name} ({route.Methods})"))} but not for {method}";
        throw new NoMatchingFunctionException(
            $"{method} {path}: {detail}. The real host would answer this itself (404/405); the peer does not imitate that.");
    }
}
