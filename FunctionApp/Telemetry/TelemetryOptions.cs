namespace AzureSqlFunctions.Telemetry;

/// <summary>The <c>Telemetry</c> section: what the app records beyond its own meter.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// SqlClient's dependency spans, one per command (OpenTelemetry's SqlClient instrumentation). On by default. Off,
    /// SqlClient writes no diagnostic event for each command, open and close: about half of what telemetry adds to an
    /// invocation's SQL in the worker (docs/benchmarks.md, target 11). The app's own SQL metrics stay.
    /// </summary>
    public bool SqlClientSpans { get; set; } = true;

    /// <summary>
    /// The setting as the tracer provider is registered, before options bind: anything but a parsable <c>false</c>
    /// keeps the spans; a value that is not a boolean is refused by name when the settings are validated.
    /// </summary>
    internal static bool SqlClientSpansIn(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        !bool.TryParse(configuration[$"{SectionName}:{nameof(SqlClientSpans)}"], out var spans) || spans;
}
