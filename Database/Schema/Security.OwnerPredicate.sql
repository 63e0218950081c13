-- The row belongs to the invocation's caller: the app sets the read-only session context key OwnerId
-- ('<tid>:<oid>') right after it opens the connection. Without the key (the purge job, a connection nobody
-- identified) no row qualifies, so every write blocked by this predicate fails.
CREATE FUNCTION [Security].[OwnerPredicate] (@OwnerId CHAR (73))
RETURNS TABLE
WITH SCHEMABINDING
AS
RETURN
    SELECT 1 AS [Allowed]
    WHERE @OwnerId = CAST(SESSION_CONTEXT(N'OwnerId') AS CHAR (73)) COLLATE Latin1_General_100_BIN2;
