namespace AzureSqlFunctions.Sql;
