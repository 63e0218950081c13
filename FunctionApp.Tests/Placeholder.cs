namespace AzureSqlFunctions.Tests;
