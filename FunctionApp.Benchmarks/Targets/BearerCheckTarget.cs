using System.Security.Cryptography;
using System.Text;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 8: the app's bearer-token check on the hot path — the tenant's keys cached, a valid user token with the
/// scope — against its floor, the bare RS256 signature verification of the same token (what no validator can skip),
/// interleaved. The OpenID provider peer counts metadata requests: the steady state must make none. Limits: the
/// check's time at most 20 µs above the signature's (the floor depends on the CPU), at most 16 KB allocated per call,
/// no metadata request while measuring.
/// </summary>
internal static class BearerCheckTarget
{
    public const int Number = 8;
    private const double LimitMicroseconds = 20;
    private const double BytesLimit = 16 * 1024;

    public static async Task<TargetResult> RunAsync(RunMode mode)
    {
        await using var provider = await OpenIdProvider.StartAsync();
        var audience = Guid.NewGuid().ToString();
        var options = new AuthOptions
        {
            TenantId = provider.TenantId,
            Audience = audience,
            Instance = provider.Instance.ToString(),
            AllowInsecureMetadata = true,
        };
        using var validator = new BearerTokenValidator(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<BearerTokenValidator>.Instance);
        var token = provider.Issue(AccessTokenRequest.User(TestPrincipal.Create("bench-user"), audience, Guid.NewGuid().ToString(), AuthOptions.DefaultScope) with
        {
            Expires = DateTimeOffset.UtcNow.AddHours(12),
        });
        var first = await validator.CheckTokenAsync(token);
        if (first.Outcome != BearerOutcome.Accepted)
        {
            throw new InvalidOperationException($"The benchmark token is refused: {first.Description}");
        }

        var keys = (await validator.Keys.CurrentAsync())!;
        var key = (RsaSecurityKey)keys.Keys.Single();
        using var publicKey = RSA.Create(key.Rsa?.ExportParameters(false) ?? key.Parameters);
        var split = token.LastIndexOf('.');
        var signedBytes = Encoding.ASCII.GetBytes(token[..split]);
        var signature = Base64UrlEncoder.DecodeBytes(token[(split + 1)..]);
        var metadataBefore = provider.DiscoveryRequests + provider.KeysRequests;

        var comparison = await Interleaved.CompareAsync(
            () => publicKey.VerifyData(signedBytes, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ? ValueTask.CompletedTask
                : throw new InvalidOperationException("The signature did not verify."),
            async () =>
            {
                if ((await validator.CheckTokenAsync(token)).Outcome != BearerOutcome.Accepted)
                {
                    throw new InvalidOperationException("The token was refused.");
                }
            },
            mode.Rounds,
            operationsPerBlock: 200,
            threadBytesOnly: false,
            warmUpOperations: 500);
        var metadataRequests = provider.DiscoveryRequests + provider.KeysRequests - metadataBefore;

        var aboveUs = comparison.MedianDifferenceNs / 1000;
        var bytes = comparison.CandidateMedianBytes;
        return new TargetResult(
            Number,
            "bearer token check, keys cached, vs the RS256 verify alone",
            $"{aboveUs:F1} µs above the verify ({comparison.CandidateMedianNs / 1000:F1} vs {comparison.BaselineMedianNs / 1000:F1} µs; {comparison.DifferenceSpread}), "
            + $"{bytes:F0} B/call, {metadataRequests} metadata requests while measuring (limits: ≤ {LimitMicroseconds:F0} µs above, ≤ {BytesLimit:F0} B, 0 requests)",
            aboveUs <= LimitMicroseconds && bytes <= BytesLimit && metadataRequests == 0);
    }
}
