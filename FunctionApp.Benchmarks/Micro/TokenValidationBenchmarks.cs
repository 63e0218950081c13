using System.Security.Cryptography;
using System.Text;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Detail of target 8: the app's bearer-token check on the hot path — the tenant's keys cached, a valid user token with the
/// scope — against its floor, the bare RS256 signature verification of the same token (what no validator can skip).
/// The OpenID provider peer counts metadata requests: the steady state must make none.
/// </summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks
{
    private static int _metadataRequestsMeasured;

    private OpenIdProvider _provider = null!;
    private BearerTokenValidator _validator = null!;
    private RSA _publicKey = null!;
    private string _token = null!;
    private byte[] _signedBytes = null!;
    private byte[] _signature = null!;
    private int _metadataRequestsAtStart;

    /// <summary>Metadata requests made while the benchmarks ran (after each warm-up read).</summary>
    public static int MetadataRequestsMeasured => Volatile.Read(ref _metadataRequestsMeasured);

    [GlobalSetup]
    public void Setup()
    {
        _provider = OpenIdProvider.StartAsync().GetAwaiter().GetResult();
        var audience = Guid.NewGuid().ToString();
        var options = new AuthOptions
        {
            TenantId = _provider.TenantId,
            Audience = audience,
            Instance = _provider.Instance.ToString(),
            AllowInsecureMetadata = true,
        };
        _validator = new BearerTokenValidator(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<BearerTokenValidator>.Instance);
        _token = _provider.Issue(AccessTokenRequest.User(TestPrincipal.Create("bench-user"), audience, Guid.NewGuid().ToString(), AuthOptions.DefaultScope) with
        {
            Expires = DateTimeOffset.UtcNow.AddHours(12),
        });
        var first = _validator.CheckTokenAsync(_token).GetAwaiter().GetResult();
        if (first.Outcome != BearerOutcome.Accepted)
        {
            throw new InvalidOperationException($"The benchmark token is refused: {first.Description}");
        }

        var keys = _validator.Keys.CurrentAsync().AsTask().GetAwaiter().GetResult()!;
        _publicKey = ((RsaSecurityKey)keys.Keys.Single()).Rsa ?? RSA.Create(((RsaSecurityKey)keys.Keys.Single()).Parameters);
        var split = _token.LastIndexOf('.');
        _signedBytes = Encoding.ASCII.GetBytes(_token[..split]);
        _signature = Base64UrlEncoder.DecodeBytes(_token[(split + 1)..]);
        _metadataRequestsAtStart = _provider.DiscoveryRequests + _provider.KeysRequests;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Interlocked.Add(ref _metadataRequestsMeasured, _provider.DiscoveryRequests + _provider.KeysRequests - _metadataRequestsAtStart);
        _validator.Dispose();
        _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public bool RS256_signature_only() => _publicKey.VerifyData(_signedBytes, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark]
    public Task<BearerCheck> BearerTokenValidator_cached_keys() => _validator.CheckTokenAsync(_token);
}
