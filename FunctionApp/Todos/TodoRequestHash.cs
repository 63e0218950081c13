using System.Security.Cryptography;
using System.Text.Json;
using AzureSqlFunctions.Http;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// The fingerprint an Idempotency-Key is stored with: SHA-256 of the validated input in the API's JSON, so bodies that
/// mean the same (other whitespace or field order, an untrimmed title) match and any other change does not.
/// </summary>
internal static class TodoRequestHash
{
    public static byte[] Of(TodoInput input) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(input, ApiJson.Options));
}
