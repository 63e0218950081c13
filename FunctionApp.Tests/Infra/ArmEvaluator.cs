using System.Text.Json.Nodes;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// Evaluates a template's values for one set of parameter values, as far as the tests need: parameters, variables,
/// if (only the branch taken), not, and, or, equals, empty, null, createObject, union of objects, and the same for
/// a module with the arguments its parent passes. Anything else (reference(), resourceId(), format() …) comes back
/// as the expression text "[...]", so a test can still look at where a value comes from.
/// </summary>
internal sealed class ArmEvaluator
{
    private readonly ArmTemplate template;

    // The value passed for a parameter; (false, _) when none was, so its default applies.
    private readonly Func<string, (bool Passed, JsonNode? Value)> argument;

    private ArmEvaluator(ArmTemplate template, Func<string, (bool Passed, JsonNode? Value)> argument)
    {
        this.template = template;
        this.argument = argument;
    }

    /// <summary>The main template with these parameter values (the rest take their defaults).</summary>
    public static ArmEvaluator For(ArmTemplate template, JsonObject parameterValues)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(parameterValues);
        return new ArmEvaluator(template, name => parameterValues.TryGetPropertyValue(name, out var value) ? (true, value?.DeepClone()) : (false, null));
    }

    /// <summary>The evaluator of a module this template deploys, fed with this template's arguments.</summary>
    public ArmEvaluator ForModule(ArmTemplate module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var arguments = module.DeploymentResource["properties"]?["parameters"];
        return new ArmEvaluator(module, name =>
        {
            if (arguments?[name] is not { } passed)
            {
                return (false, null);
            }

            // {"value": x}, or one expression that yields such an object (a conditional argument).
            var evaluated = Evaluate(passed);
            return (true, evaluated is JsonObject wrapped && wrapped.ContainsKey("value") ? wrapped["value"]?.DeepClone() : evaluated);
        });
    }

    /// <summary>The module's evaluator, found by deployment name below this template.</summary>
    public ArmEvaluator ForModule(string deploymentName) => ForModule(template.Module(deploymentName));

    /// <summary>Whether a resource (or module deployment) of this template is deployed: its condition, true if none.</summary>
    public bool IsDeployed(JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource["condition"] is not { } condition || Evaluate(condition)?.GetValue<bool>() == true;
    }

    /// <summary>A template value with every expression in it evaluated.</summary>
    public JsonNode? Evaluate(JsonNode? value) => value switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Evaluate(pair.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Evaluate)]),
        JsonValue text when text.TryGetValue<string>(out var s) && ArmExpression.IsExpression(s) => Evaluate(ArmExpression.Parse(s)),
        _ => value?.DeepClone(),
    };

    private JsonNode? Evaluate(ArmExpression expression)
    {
        switch (expression)
        {
            case ArmExpression.Literal literal:
                return literal.Value is string text ? JsonValue.Create(text) : JsonValue.Create((long)literal.Value);
            case ArmExpression.Call call:
                return EvaluateCall(call);
            case ArmExpression.Member member:
                return Evaluate(member.Target) is JsonObject target ? target[member.Name]?.DeepClone() : Opaque(member);
            default:
                return Opaque(expression);
        }
    }

    private JsonNode? EvaluateCall(ArmExpression.Call call)
    {
        JsonNode? Arg(int index) => Evaluate(call.Arguments[index]);
        bool Flag(int index) => Arg(index)?.GetValue<bool>() ?? throw new InvalidOperationException($"{call.Source}: argument {index} is null.");
        switch (call.Name)
        {
            case "parameters":
                return Parameter(Arg(0)!.GetValue<string>());
            case "variables":
                var name = Arg(0)!.GetValue<string>();
                return Evaluate(template.Variable(name) ?? throw new InvalidOperationException($"No variable '{name}' in {template.DeploymentName}."));
            case "if":
                return Flag(0) ? Arg(1) : Arg(2);
            case "not":
                return JsonValue.Create(!Flag(0));
            case "and":
                return JsonValue.Create(Enumerable.Range(0, call.Arguments.Count).All(Flag));
            case "or":
                return JsonValue.Create(Enumerable.Range(0, call.Arguments.Count).Any(Flag));
            case "equals":
                return JsonValue.Create(JsonNode.DeepEquals(Arg(0), Arg(1)));
            case "empty":
                return JsonValue.Create(Arg(0) switch
                {
                    null => true,
                    JsonObject obj => obj.Count == 0,
                    JsonArray array => array.Count == 0,
                    JsonValue text when text.TryGetValue<string>(out var s) => s.Length == 0,
                    _ => false,
                });
            case "null":
                return null;
            case "createObject":
                var created = new JsonObject();
                for (var index = 0; index + 1 < call.Arguments.Count; index += 2)
                {
                    created[Arg(index)!.GetValue<string>()] = Arg(index + 1);
                }

                return created;
            case "union" when call.Arguments.Count > 0:
                var parts = call.Arguments.Select(Evaluate).ToList();
                if (!parts.All(part => part is JsonObject))
                {
                    return Opaque(call);
                }

                var merged = new JsonObject();
                foreach (var pair in parts.Cast<JsonObject>().SelectMany(part => part))
                {
                    merged[pair.Key] = pair.Value?.DeepClone();
                }

                return merged;
            default:
                return Opaque(call);
        }
    }

    private JsonNode? Parameter(string name)
    {
        var (passed, value) = argument(name);
        if (passed)
        {
            return value;
        }

        var declared = template.Parameter(name) ?? throw new InvalidOperationException($"No parameter '{name}' in {template.DeploymentName}.");
        return declared.ContainsKey("defaultValue")
            ? Evaluate(declared["defaultValue"])
            : throw new InvalidOperationException($"Parameter '{name}' of {template.DeploymentName} has no value and no default.");
    }

    private static JsonValue Opaque(ArmExpression expression) => JsonValue.Create($"[{expression.Source}]");
}
