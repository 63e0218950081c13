namespace AzureSqlFunctions.Benchmarks.Scenarios;

/// <summary>How much each timed scenario does: quick mode keeps the whole program under three minutes on two cores.</summary>
/// <param name="BurstRounds">Rounds of 64 concurrent cold invocations, each with a fresh app, peer and MSAL cache.</param>
/// <param name="NaiveCliInvocations">Invocations of the naive pattern over the Azure CLI (a process each).</param>
internal sealed record ScenarioScale(int BurstRounds, int NaiveCliInvocations)
{
    public static readonly ScenarioScale Quick = new(BurstRounds: 3, NaiveCliInvocations: 100);

    public static readonly ScenarioScale Full = new(BurstRounds: 20, NaiveCliInvocations: 1000);
}
