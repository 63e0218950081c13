using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Http;

/// <summary>A value read from the request, or the problem answer that says why there is none: the API's one "value or problem".</summary>
internal readonly record struct Checked<T>(T? Value, IResult? Problem)
    where T : class
{
    public static Checked<T> Valid(T value) => new(value, null);

    public static Checked<T> Invalid(IResult problem) => new(null, problem);
}
