using System.Security.Cryptography;
using System.Text;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Reports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Target 8: the app's bearer-token check on the hot path — the tenant's keys cached, a valid user token with the
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

    /// <summary>
    /// The target: the check's median at most 20 µs above the signature's (the floor, which depends on the CPU),
    /// at most 16 KB allocated per call, and no metadata request while measuring.
    /// </summary>
    internal static TargetResult Target(Summary summary)
    {
        const string name = "bearer token check, keys cached";
        var check = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(BearerTokenValidator_cached_keys));
        var floor = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(RS256_signature_only));
        if (check?.ResultStatistics is null || floor?.ResultStatistics is null)
        {
            return new TargetResult(8, name, "no result (a benchmark failed)", Pass: false);
        }

        var checkUs = check.ResultStatistics.Median / 1000;
        var floorUs = floor.ResultStatistics.Median / 1000;
        var bytes = check.GcStats.GetBytesAllocatedPerOperation(check.BenchmarkCase) ?? long.MaxValue;
        var requests = MetadataRequestsMeasured;
        return new TargetResult(
            8,
            name,
            $"{checkUs:F1} µs median ({checkUs - floorUs:F1} µs above the RS256 verify alone, {floorUs:F1} µs; ≤ 20 µs above), {bytes} B/op (≤ 16384), {requests} metadata requests while measuring (0)",
            checkUs - floorUs <= 20 && bytes <= 16384 && requests == 0);
    }
}
