using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Todos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace AzureSqlFunctions.Functions;

/// <summary>
/// The todo endpoints: each translates the request, runs a handler on the invocation's connection, writes the result.
/// Routes take <c>{id}</c> as text (no <c>{id:long}</c> constraint), so a bad id gets a 400 problem, not a bare 404.
/// </summary>
internal sealed class TodoFunctions(TodoCommands commands)
{
    [Function("ListTodos")]
    public static async Task<HttpResponseData> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "todos")] HttpRequestData request, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new TodoListQuery(request.Query["done"], request.Query["limit"], request.Query["after"]);
        var result = await TodoQueries.ListAsync(context.GetInvocationConnection(), query);
        return await HttpTranslation.WriteAsync(request, result);
    }

    [Function("GetTodo")]
    public static async Task<HttpResponseData> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "todos/{id}")] HttpRequestData request, string id, FunctionContext context)
    {
        var result = await TodoQueries.GetAsync(context.GetInvocationConnection(), id);
        return await HttpTranslation.WriteAsync(request, result);
    }

    [Function("CreateTodo")]
    public async Task<HttpResponseData> Create(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "todos")] HttpRequestData request, FunctionContext context)
    {
        var result = await commands.CreateAsync(context.GetInvocationConnection(), HttpTranslation.JsonBody(request));
        return await HttpTranslation.WriteAsync(request, result);
    }

    [Function("ReplaceTodo")]
    public async Task<HttpResponseData> Replace(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "todos/{id}")] HttpRequestData request, string id, FunctionContext context)
    {
        var result = await commands.ReplaceAsync(
            context.GetInvocationConnection(), id, HttpTranslation.Header(request, "If-Match"), HttpTranslation.JsonBody(request));
        return await HttpTranslation.WriteAsync(request, result);
    }

    [Function("DeleteTodo")]
    public async Task<HttpResponseData> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "todos/{id}")] HttpRequestData request, string id, FunctionContext context)
    {
        var result = await commands.DeleteAsync(context.GetInvocationConnection(), id);
        return await HttpTranslation.WriteAsync(request, result);
    }
}
