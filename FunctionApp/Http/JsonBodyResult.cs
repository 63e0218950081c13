namespace AzureSqlFunctions.Http;

/// <summary>Either the deserialized body or the problem that says why there is none.</summary>
internal readonly record struct JsonBodyResult<T>(T? Value, ProblemDetails? Problem)
    where T : class;
