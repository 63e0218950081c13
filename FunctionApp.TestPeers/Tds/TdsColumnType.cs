namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>Column types a handler's result set may use; the names are SQL Server's type names.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifiers should not contain type names", Justification = "They name SQL types.")]
public enum TdsColumnType
{
    Int,
    BigInt,
    NVarChar,
    NVarCharMax,
    Bit,
    Decimal,
    DateTime,
    DateTime2,
    DateTimeOffset,
    UniqueIdentifier,
    VarBinary,
    VarBinaryMax,

    /// <summary><c>rowversion</c>/<c>timestamp</c>: binary(8), never null, read back as <c>byte[]</c>.</summary>
    RowVersion,
}
