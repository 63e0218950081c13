using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// Read-only view of a compiled ARM template. Bicep modules become nested
/// Microsoft.Resources/deployments whose inner template sits under properties.template; values
/// stay ARM expressions ("[parameters('x')]"), so lookups here follow those references.
/// </summary>
internal sealed partial class ArmTemplate
{
    private readonly JsonObject root;

    public ArmTemplate(JsonObject root, string deploymentName = "(main)", ArmTemplate? parent = null, string? symbolicName = null)
    {
        this.root = root;
        DeploymentName = deploymentName;
        Parent = parent;
        SymbolicName = symbolicName;
    }

    /// <summary>Name of the deployment this template runs in; "(main)" for the entry template.</summary>
    public string DeploymentName { get; }

    /// <summary>The module's symbolic name in its parent, where the parent uses symbolic names (languageVersion 2.0).</summary>
    public string? SymbolicName { get; }

    /// <summary>The template that declares this one as a module, if any.</summary>
    public ArmTemplate? Parent { get; }

    public JsonObject Json => root;

    public static ArmTemplate Parse(string json) =>
        new(JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("Template is not a JSON object."));

    /// <summary>Resources declared directly in this template (array form, or symbolic-name object form).</summary>
    public IEnumerable<JsonObject> OwnResources => root["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject symbolic => symbolic.Select(pair => pair.Value).OfType<JsonObject>(),
        _ => [],
    };

    /// <summary>Templates of the modules this template deploys, by deployment name.</summary>
    public IEnumerable<ArmTemplate> Modules => OwnResourceEntries
        .Where(entry => TypeOf(entry.Resource) == "Microsoft.Resources/deployments")
        .Select(entry => new ArmTemplate(
            entry.Resource["properties"]?["template"]?.AsObject() ?? throw new FormatException("Module without template."),
            entry.Resource["name"]!.GetValue<string>(),
            this,
            entry.Symbol));

    /// <summary>The module's deployment resource in the parent template (condition, dependsOn, parameters).</summary>
    public JsonObject DeploymentResource => Parent?.OwnResources.Single(resource =>
            TypeOf(resource) == "Microsoft.Resources/deployments" && resource["name"]?.GetValue<string>() == DeploymentName)
        ?? throw new InvalidOperationException("The main template is no module.");

    private IEnumerable<(string? Symbol, JsonObject Resource)> OwnResourceEntries => root["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>().Select(resource => ((string?)null, resource)),
        JsonObject symbolic => symbolic.Where(pair => pair.Value is JsonObject).Select(pair => ((string?)pair.Key, pair.Value!.AsObject())),
        _ => [],
    };

    /// <summary>This template and every module below it.</summary>
    public IEnumerable<ArmTemplate> SelfAndModules => [this, .. Modules.SelectMany(module => module.SelfAndModules)];

    /// <summary>Every resource of the given type, in this template or any module, with the template declaring it.</summary>
    public IReadOnlyList<(ArmTemplate Template, JsonObject Resource)> ResourcesOfType(string type) =>
        [.. SelfAndModules.SelectMany(template => template.OwnResources
            .Where(resource => string.Equals(TypeOf(resource), type, StringComparison.OrdinalIgnoreCase))
            .Select(resource => (template, resource)))];

    public (ArmTemplate Template, JsonObject Resource) SingleResourceOfType(string type)
    {
        var found = ResourcesOfType(type);
        return found.Count == 1
            ? found[0]
            : throw new InvalidOperationException($"Expected one {type}, found {found.Count}.");
    }

    public ArmTemplate Module(string deploymentName) =>
        Modules.SingleOrDefault(module => module.DeploymentName == deploymentName)
        ?? throw new InvalidOperationException($"No module deployment '{deploymentName}' in {DeploymentName}.");

    /// <summary>The deployment in this template whose resources include one of the given type.</summary>
    public string ModuleDeclaring(string resourceType) =>
        Modules.Single(module => module.OwnResources.Any(resource => TypeOf(resource) == resourceType)).DeploymentName;

    public JsonNode? Variable(string name) => root["variables"]?[name];

    public JsonObject? Parameter(string name) => root["parameters"]?[name]?.AsObject();

    public JsonObject Output(string name) =>
        root["outputs"]?[name]?.AsObject() ?? throw new InvalidOperationException($"No output '{name}' in {DeploymentName}.");

    /// <summary>The expression the parent template passes for one of this module's parameters.</summary>
    public string ArgumentFromParent(string parameterName)
    {
        if (Parent is null)
        {
            throw new InvalidOperationException("The main template has no parent.");
        }

        // A value is {"value": x}; a conditional one is a whole expression choosing between such objects.
        var argument = DeploymentResource["properties"]?["parameters"]?[parameterName];
        return (argument is JsonObject wrapped ? wrapped["value"]?.ToString() : argument?.ToString())
            ?? throw new InvalidOperationException($"Module '{DeploymentName}' gets no value for '{parameterName}'.");
    }

    /// <summary>
    /// Follows a value that is exactly one variable reference to that variable's value, repeatedly.
    /// Anything else (literal, other expression) is returned unchanged.
    /// </summary>
    public string ResolveVariables(string value)
    {
        for (var match = WholeVariableReference().Match(value); match.Success; match = WholeVariableReference().Match(value))
        {
            value = Variable(match.Groups["name"].Value)?.ToString()
                ?? throw new InvalidOperationException($"No variable '{match.Groups["name"].Value}' in {DeploymentName}.");
        }

        return value;
    }

    /// <summary>Replaces each variables('x') whose value is a plain string literal with that literal, quoted.</summary>
    public string InlineStringVariables(string expression) =>
        VariableReference().Replace(expression, match =>
            Variable(match.Groups["name"].Value) is JsonValue value
                && value.TryGetValue<string>(out var literal)
                && !literal.StartsWith('[')
                ? $"'{literal}'"
                : match.Value);

    /// <summary>Names of the template parameters an expression refers to.</summary>
    public static IReadOnlyList<string> ParametersReferencedBy(string expression) =>
        [.. ParameterReference().Matches(expression).Select(match => match.Groups["name"].Value).Distinct()];

    /// <summary>(deployment, output) pairs an expression of this template reads from the modules it deploys.</summary>
    public IReadOnlyList<(string Deployment, string Output)> ModuleOutputsReferencedBy(string expression)
    {
        var bySymbol = Modules.Where(module => module.SymbolicName is not null).ToDictionary(module => module.SymbolicName!, module => module.DeploymentName);
        var byResourceId = ModuleOutputReference().Matches(expression)
            .Select(match => (match.Index, Pair: (match.Groups["deployment"].Value, match.Groups["output"].Value)));
        var bySymbolicName = SymbolicModuleOutputReference().Matches(expression)
            .Where(match => bySymbol.ContainsKey(match.Groups["symbol"].Value))
            .Select(match => (match.Index, Pair: (bySymbol[match.Groups["symbol"].Value], match.Groups["output"].Value)));
        return [.. byResourceId.Concat(bySymbolicName).OrderBy(found => found.Index).Select(found => found.Pair)];
    }

    public static string? TypeOf(JsonObject resource) => resource["type"]?.GetValue<string>();

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)\]$")]
    private static partial Regex WholeVariableReference();

    [GeneratedRegex(@"variables\('(?<name>[^']+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"parameters\('(?<name>[^']+)'\)")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"'Microsoft\.Resources/deployments', '(?<deployment>[^']+)'\)[^)]*\)\.outputs\.(?<output>\w+)\.value")]
    private static partial Regex ModuleOutputReference();

    [GeneratedRegex(@"reference\('(?<symbol>[^']+)'\)\.outputs\.(?<output>\w+)\.value")]
    private static partial Regex SymbolicModuleOutputReference();
}
