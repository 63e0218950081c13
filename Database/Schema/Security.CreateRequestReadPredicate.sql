-- Which Idempotency-Key records a session sees (and so may delete): its owner's, or, for the purge job's session
-- (read-only key PurgeCreatedBefore, now minus the keys' 24-hour retention), the records created before that cutoff.
CREATE FUNCTION [Security].[CreateRequestReadPredicate] (@OwnerId CHAR (73), @CreatedAt DATETIMEOFFSET (7))
RETURNS TABLE
WITH SCHEMABINDING
AS
RETURN
    SELECT 1 AS [Allowed]
    WHERE @OwnerId = CAST(SESSION_CONTEXT(N'OwnerId') AS CHAR (73)) COLLATE Latin1_General_100_BIN2
       OR @CreatedAt < CAST(SESSION_CONTEXT(N'PurgeCreatedBefore') AS DATETIMEOFFSET (7));
