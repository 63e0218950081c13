namespace AzureSqlFunctions.Sql;

/// <summary>What the pipeline needs to know about one function invocation, copied from the Worker's context.</summary>
/// <param name="InvocationId">The Functions invocation id, for logs and problem documents.</param>
/// <param name="FunctionName">The function's name, for logs.</param>
/// <param name="IsHttp">HTTP invocations answer SQL availability failures with 503; others rethrow.</param>
/// <param name="Cancellation">The invocation's cancellation (host shutdown, timeout, client gone).</param>
internal readonly record struct InvocationInfo(string InvocationId, string FunctionName, bool IsHttp, CancellationToken Cancellation);
