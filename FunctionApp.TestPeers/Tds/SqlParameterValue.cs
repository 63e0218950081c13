namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A parameter as the client sent it.</summary>
/// <param name="Name">As sent, with its <c>@</c>.</param>
/// <param name="SqlType">The SQL type read from TYPE_INFO, e.g. <c>int</c>, <c>nvarchar(4000)</c>, <c>nvarchar(max)</c>, <c>decimal(18,2)</c>, <c>datetime2(7)</c>.</param>
/// <param name="Value">The CLR value (int, long, string, bool, decimal, DateTime, DateTimeOffset, Guid, byte[]), or null for SQL NULL.</param>
public sealed record SqlParameterValue(string Name, string SqlType, object? Value);
