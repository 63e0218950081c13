using System.Data;

namespace AzureSqlFunctions.Sql;

/// <summary>One <c>SESSION_CONTEXT</c> key and its value, typed as the policies cast it (the value travels as that type).</summary>
internal sealed record SessionContextEntry(string Key, object Value, SqlDbType Type, int Size);
