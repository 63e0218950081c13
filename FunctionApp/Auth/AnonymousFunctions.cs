using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// Which functions take no token: those whose entry method (or class) carries ASP.NET Core's
/// <see cref="AllowAnonymousAttribute"/>. Anything that cannot be found in the app's assembly requires a token (fails
/// closed).
/// </summary>
internal static class AnonymousFunctions
{
    public static bool AllowsAnonymous(FunctionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var entryPoint = definition.EntryPoint;
        var split = entryPoint.LastIndexOf('.');
        if (split <= 0)
        {
            return false;
        }

        var type = typeof(AnonymousFunctions).Assembly.GetType(entryPoint[..split], throwOnError: false);
        var methodName = entryPoint[(split + 1)..];
        var methods = type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(method => method.Name == methodName)
            .ToList() ?? [];
        return methods.Count == 1
            && (methods[0].IsDefined(typeof(AllowAnonymousAttribute)) || type!.IsDefined(typeof(AllowAnonymousAttribute)));
    }
}
