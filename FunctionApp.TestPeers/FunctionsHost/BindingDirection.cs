namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>A binding's direction as written in its raw JSON (<c>"In"</c>, <c>"Out"</c>, <c>"InOut"</c>).</summary>
public enum BindingDirection
{
    In = 0,
    Out = 1,
    InOut = 2,
}
