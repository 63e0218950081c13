using AzureSqlFunctions;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The isolated worker: every HTTP- and timer-triggered invocation gets one token-authenticated SqlConnection.
var builder = FunctionsApplication.CreateBuilder(args);
builder.UseWhen<SqlConnectionMiddleware>(SqlConnectionMiddleware.AppliesTo);
builder.Services.AddAzureSqlFunctions(builder.Configuration); // validates the settings: a bad one stops here, named

var host = builder.Build();

// Build the credential and connection factory now, so startup logs which credential is used (and fails fast).
host.Services.GetRequiredService<SqlConnectionFactory>();
host.Run();
