namespace AzureSqlFunctions.Tests.Faults;

/// <summary>The Todo endpoint a soak step calls.</summary>
internal enum SoakOperation
{
    Create,
    Get,
    List,
    Replace,
    Delete,
}
