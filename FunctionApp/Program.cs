using AzureSqlFunctions;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Cors;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Microsoft.Azure.Functions.Worker.Builder;

// The isolated worker. HTTP requests arrive through the ASP.NET Core integration (HttpRequest in, IResult out);
// every HTTP- and timer-triggered invocation gets one token-authenticated SqlConnection from the unit of work.
// The first token and login run while the worker starts, so the first invocation finds a pooled session.
var startupLogin = SqlStartupLogin.BeginFromAppSettings();
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // first: the middleware below set results the integration writes
// UseMiddleware<T> as the Worker's, each step keeping its singleton (no container lookup per invocation).
builder.UseKeptMiddleware<ExposedHeadersMiddleware>(); // ETag, Location, Retry-After readable by browser scripts (CORS)
builder.UseKeptMiddleware<BearerTokenMiddleware>(); // a refused caller is answered before any unit of work starts
builder.UseKeptMiddleware<UnitOfWorkMiddleware>();
builder.Services.AddAzureSqlFunctions(builder.Configuration, startupLogin);

// Settings are validated (a bad one exits 1, naming it) before the worker connects to the host.
return await AppStartup.RunAsync(builder.Build());
