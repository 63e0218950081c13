-- Which todos a session sees (and so may update or delete at all): its owner's, or, for the purge job's session
-- (read-only key PurgeDeletedBefore, the retention cutoff), the rows soft-deleted before that cutoff. A live row
-- (DeletedAt NULL) never satisfies the purge arm.
CREATE FUNCTION [Security].[TodoReadPredicate] (@OwnerId CHAR (73), @DeletedAt DATETIMEOFFSET (7))
RETURNS TABLE
WITH SCHEMABINDING
AS
RETURN
    SELECT 1 AS [Allowed]
    WHERE @OwnerId = CAST(SESSION_CONTEXT(N'OwnerId') AS CHAR (73)) COLLATE Latin1_General_100_BIN2
       OR @DeletedAt < CAST(SESSION_CONTEXT(N'PurgeDeletedBefore') AS DATETIMEOFFSET (7));
