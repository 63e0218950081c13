using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// The app's functions as the worker indexes them (<c>GeneratedFunctionMetadataProvider</c>, the SDK's source-generated
/// metadata), and HTTP routing over them the way the host routes: <c>{routePrefix}/{route}</c> with host.json's prefix.
/// </summary>
internal sealed class FunctionCatalog
{
    private readonly List<(IndexedFunction Function, TemplateMatcher Matcher)> _routes;

    private FunctionCatalog(IReadOnlyList<IndexedFunction> functions, string routePrefix)
    {
        Functions = functions;
        RoutePrefix = routePrefix;
        _routes = [.. functions
            .Where(f => f.IsHttp)
            .Select(f => (f, new TemplateMatcher(TemplateParser.Parse($"{routePrefix}/{f.Route ?? f.Name}"), [])))];
    }

    public IReadOnlyList<IndexedFunction> Functions { get; }

    public string RoutePrefix { get; }

    public static FunctionCatalog Load()
    {
        var metadata = new GeneratedFunctionMetadataProvider().GetFunctionMetadataAsync(AppDirectory).GetAwaiter().GetResult();
        return new FunctionCatalog([.. metadata.Select(IndexedFunction.From)], ReadRoutePrefix());
    }

    /// <summary>The folder the app's assembly (and its host.json) sits in.</summary>
    public static string AppDirectory => Path.GetDirectoryName(typeof(GeneratedFunctionMetadataProvider).Assembly.Location)!;

    public IndexedFunction Named(string name) =>
        Functions.SingleOrDefault(f => f.Name == name) ?? throw new ArgumentException($"The app has no function named {name}.", nameof(name));

    /// <summary>The function whose route and method match, with its route values; null when none does.</summary>
    public (IndexedFunction Function, RouteValueDictionary Values)? Match(string method, PathString path)
    {
        foreach (var (function, matcher) in _routes)
        {
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values) && function.Methods.Contains(method.ToUpperInvariant()))
            {
                return (function, values);
            }
        }

        return null;
    }

    public static MethodInfo EntryMethod(IndexedFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var split = function.EntryPoint.LastIndexOf('.');
        var type = typeof(GeneratedFunctionMetadataProvider).Assembly.GetType(function.EntryPoint[..split], throwOnError: true)!;
        return type.GetMethod(function.EntryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?? throw new InvalidOperationException($"No public method for entry point {function.EntryPoint}.");
    }

    private static string ReadRoutePrefix()
    {
        var hostJson = Path.Combine(AppDirectory, "host.json");
        using var document = JsonDocument.Parse(File.ReadAllText(hostJson));
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
                ? prefix.GetString() ?? "api"
                : "api";
    }
}
