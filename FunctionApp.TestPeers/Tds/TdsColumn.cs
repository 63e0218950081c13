namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A result-set column.</summary>
/// <param name="MaxLength">Characters for NVarChar, bytes for VarBinary (0 means 4000 / 8000).</param>
/// <param name="Precision">Decimal precision (0 means 18).</param>
/// <param name="Scale">Decimal scale; for DateTime2/DateTimeOffset the fractional-second digits (0 means 7, see <see cref="TimeScale"/>).</param>
public sealed record TdsColumn(
    string Name,
    TdsColumnType Type,
    bool Nullable = true,
    int MaxLength = 0,
    byte Precision = 0,
    byte Scale = 0)
{
    /// <summary>Fractional-second digits for DateTime2/DateTimeOffset: <see cref="Scale"/> if set, else 7 like SQL's default.</summary>
    public byte TimeScale => Scale == 0 ? (byte)7 : Scale;

    public byte DecimalPrecision => Precision == 0 ? (byte)18 : Precision;
}
