using AzureSqlFunctions;
using AzureSqlFunctions.Middleware;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The isolated worker. HTTP requests arrive through the ASP.NET Core integration (HttpRequest in, IResult out);
// every HTTP- and timer-triggered invocation gets one token-authenticated SqlConnection from the unit of work.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // first: the unit of work below replaces results the integration writes
builder.UseMiddleware<UnitOfWorkMiddleware>();
builder.Services.AddAzureSqlFunctions(builder.Configuration);

var host = builder.Build();
try
{
    AppStartup.ValidateSettings(host.Services); // a bad setting stops the worker here, named; logs the credential
}
catch (AppSettingException ex)
{
    await Console.Error.WriteLineAsync($"The app cannot start: {ex.Message}");
    return 1;
}

await host.RunAsync();
return 0;
