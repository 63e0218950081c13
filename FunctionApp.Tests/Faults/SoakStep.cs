namespace AzureSqlFunctions.Tests.Faults;

/// <summary>One planned soak invocation. Faults of the statement kind are carried by the request itself (see <see cref="SoakFaultAnswers"/>).</summary>
/// <param name="Id">The todo id a get, replace or delete targets (a marked id for a faulted get or delete).</param>
/// <param name="Title">The title a create or replace sends (marked for a faulted one).</param>
/// <param name="Limit">The page size a list asks for (a marked size for a faulted list).</param>
internal sealed record SoakStep(int Number, SoakOperation Operation, SoakFault Fault, long Id, string Title, int Limit);
