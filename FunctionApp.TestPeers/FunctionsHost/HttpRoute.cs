using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// One HTTP function's route: <c>{routePrefix}/{route ?? function name}</c> parsed as an ASP.NET Core route
/// template (<c>{name}</c>, <c>{name?}</c>, <c>{name=default}</c>, <c>{*rest}</c>, inline constraints such as
/// <c>{id:int}</c>), and its methods (none listed: every method).
/// </summary>
internal sealed class HttpRoute
{
    private readonly TemplateMatcher _matcher;
    private readonly IReadOnlyList<string>? _methods;
    private readonly IReadOnlyList<(string Parameter, IRouteConstraint Constraint)> _constraints;

    public HttpRoute(IndexedFunction function, FunctionBinding trigger, string routePrefix, IInlineConstraintResolver constraints)
    {
        Function = function;
        TriggerName = trigger.Name;
        Template = string.Join('/', new[] { routePrefix, (trigger.Route ?? function.Name).Trim('/') }.Where(part => part.Length > 0));
        var parsed = TemplateParser.Parse(Template);
        Precedence = RoutePrecedence.ComputeInbound(parsed);
        var defaults = new RouteValueDictionary();
        foreach (var parameter in parsed.Parameters.Where(parameter => parameter.DefaultValue is not null))
        {
            defaults[parameter.Name!] = parameter.DefaultValue;
        }

        _matcher = new TemplateMatcher(parsed, defaults);
        _constraints = [.. parsed.Parameters.SelectMany(parameter => parameter.InlineConstraints.Select(inline =>
            (parameter.Name!, constraints.ResolveConstraint(inline.Constraint)
                ?? throw new InvalidOperationException($"Function {function.Name}: route constraint '{inline.Constraint}' is unknown."))))];
        _methods = trigger.Methods;
    }

    public IndexedFunction Function { get; }

    /// <summary>The trigger binding's name: the InvocationRequest's input carries the request under it.</summary>
    public string TriggerName { get; }

    public string Template { get; }

    /// <summary>ASP.NET Core's inbound precedence: lower is more specific and is tried first.</summary>
    public decimal Precedence { get; }

    public string Methods => _methods is null ? "any method" : string.Join(", ", _methods);

    public bool AllowsMethod(string method) =>
        _methods is null || _methods.Any(allowed => string.Equals(allowed, method, StringComparison.OrdinalIgnoreCase));

    /// <summary>The route values of <paramref name="path"/> (decoded), or null when the path does not match.</summary>
    public RouteValueDictionary? Match(PathString path)
    {
        var values = new RouteValueDictionary();
        if (!_matcher.TryMatch(path, values))
        {
            return null;
        }

        foreach (var (parameter, constraint) in _constraints)
        {
            if (values.TryGetValue(parameter, out var value) && value is not null
                && !constraint.Match(httpContext: null, route: null, parameter, values, RouteDirection.IncomingRequest))
            {
                return null;
            }
        }

        return values;
    }
}
