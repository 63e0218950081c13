using System.Text;
using AzureSqlFunctions.Testing;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Tests.Auth;

/// <summary>Requests with a chosen Authorization header, and tokens broken the ways an attacker or a stale client breaks them.</summary>
internal static class SignedRequests
{
    /// <summary>The list endpoint: a real function whose every call would reach the database.</summary>
    public const string ListTodos = "/api/todos";

    public static TestRequest Bearer(string token, string target = ListTodos) => TestRequest.Get(target).WithHeader("Authorization", "Bearer " + token);

    /// <summary>The same header and payload, signed by nobody: <c>alg: none</c> and an empty signature.</summary>
    public static string Unsigned(string token)
    {
        var parts = token.Split('.');
        return $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.";
    }

    /// <summary>One character of the signature changed (in the middle, so the decoded bytes surely differ).</summary>
    public static string TamperedSignature(string token)
    {
        var parts = token.Split('.');
        var signature = parts[2].ToCharArray();
        var middle = signature.Length / 2;
        signature[middle] = signature[middle] == 'A' ? 'B' : 'A';
        return $"{parts[0]}.{parts[1]}.{new string(signature)}";
    }

    /// <summary>The payload rewritten (another object id) under the original signature.</summary>
    public static string TamperedPayload(string token, string newObjectId)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var oidStart = payload.IndexOf("\"oid\":\"", StringComparison.Ordinal) + 7;
        var oidEnd = payload.IndexOf('"', oidStart);
        payload = payload[..oidStart] + newObjectId + payload[oidEnd..];
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    /// <summary>An HMAC-signed token (the "key confusion" attack) with the same claims.</summary>
    public static string SymmetricallySigned(string token)
    {
        var parts = token.Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"HS256","typ":"JWT"}""");
        using var hmac = new System.Security.Cryptography.HMACSHA256(Encoding.UTF8.GetBytes("a-secret-an-attacker-chose-32-bytes!"));
        var signature = Base64UrlEncoder.Encode(hmac.ComputeHash(Encoding.ASCII.GetBytes($"{header}.{parts[1]}")));
        return $"{header}.{parts[1]}.{signature}";
    }
}
