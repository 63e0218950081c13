using AzureSqlFunctions;
using AzureSqlFunctions.Middleware;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The isolated worker: every HTTP- and timer-triggered invocation gets one token-authenticated SqlConnection.
var builder = FunctionsApplication.CreateBuilder(args);
builder.UseWhen<SqlConnectionMiddleware>(SqlConnectionMiddleware.AppliesTo);
builder.Services.AddAzureSqlFunctions(builder.Configuration);
builder.Build().Run();
