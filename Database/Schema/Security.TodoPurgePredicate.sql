-- Which todos may be deleted (hard): only by the purge job's session, only rows soft-deleted before its cutoff
-- (read-only key PurgeDeletedBefore). Owners soft-delete (an UPDATE); no owner session can remove a row.
CREATE FUNCTION [Security].[TodoPurgePredicate] (@DeletedAt DATETIMEOFFSET (7))
RETURNS TABLE
WITH SCHEMABINDING
AS
RETURN
    SELECT 1 AS [Allowed]
    WHERE @DeletedAt < CAST(SESSION_CONTEXT(N'PurgeDeletedBefore') AS DATETIMEOFFSET (7));
