namespace AzureSqlFunctions.TestPeers.Tds.Types;

/// <summary>A parsed TYPE_INFO: the type byte plus the length, precision and scale that shape its values.</summary>
internal sealed record TdsTypeInfo(byte Type, int MaxLength, byte Precision, byte Scale)
{
    public bool IsPlp => MaxLength == TdsTypeId.MaxLengthPlp && Type is TdsTypeId.NVarChar or TdsTypeId.NChar
        or TdsTypeId.BigVarBinary or TdsTypeId.BigVarChar or TdsTypeId.BigBinary or TdsTypeId.BigChar;

    /// <summary>The type as T-SQL would declare it.</summary>
    public string SqlName => Type switch
    {
        TdsTypeId.IntN => MaxLength switch { 1 => "tinyint", 2 => "smallint", 8 => "bigint", _ => "int" },
        TdsTypeId.TinyInt => "tinyint",
        TdsTypeId.SmallInt => "smallint",
        TdsTypeId.Int => "int",
        TdsTypeId.BigInt => "bigint",
        TdsTypeId.Bit or TdsTypeId.BitN => "bit",
        TdsTypeId.DecimalN or TdsTypeId.NumericN => $"decimal({Precision},{Scale})",
        TdsTypeId.FloatN => MaxLength == 4 ? "real" : "float",
        TdsTypeId.Real => "real",
        TdsTypeId.Float => "float",
        TdsTypeId.MoneyN => MaxLength == 4 ? "smallmoney" : "money",
        TdsTypeId.Money => "money",
        TdsTypeId.SmallMoney => "smallmoney",
        TdsTypeId.DateTimeN => MaxLength == 4 ? "smalldatetime" : "datetime",
        TdsTypeId.DateTime => "datetime",
        TdsTypeId.SmallDateTime => "smalldatetime",
        TdsTypeId.DateN => "date",
        TdsTypeId.TimeN => $"time({Scale})",
        TdsTypeId.DateTime2N => $"datetime2({Scale})",
        TdsTypeId.DateTimeOffsetN => $"datetimeoffset({Scale})",
        TdsTypeId.Guid => "uniqueidentifier",
        TdsTypeId.NVarChar => IsPlp ? "nvarchar(max)" : $"nvarchar({MaxLength / 2})",
        TdsTypeId.NChar => $"nchar({MaxLength / 2})",
        TdsTypeId.BigVarChar => IsPlp ? "varchar(max)" : $"varchar({MaxLength})",
        TdsTypeId.BigChar => $"char({MaxLength})",
        TdsTypeId.BigVarBinary => IsPlp ? "varbinary(max)" : $"varbinary({MaxLength})",
        TdsTypeId.BigBinary => $"binary({MaxLength})",
        TdsTypeId.NText => "ntext",
        TdsTypeId.Text => "text",
        TdsTypeId.Image => "image",
        TdsTypeId.Xml => "xml",
        _ => $"type 0x{Type:X2}",
    };
}
