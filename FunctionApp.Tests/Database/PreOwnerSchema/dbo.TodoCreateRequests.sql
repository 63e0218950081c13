-- POST /api/todos with an Idempotency-Key: the key, a SHA-256 of the validated request and the 201 answer, written
-- in the same transaction as the todo it created. A retry with the same key and body replays that answer (creating
-- nothing); the same key with another body is refused. Kept 24 hours, then purged by PurgeDeletedTodos.
-- Keys are visible ASCII (checked by the app), compared exactly: a binary collation.
CREATE TABLE [dbo].[TodoCreateRequests]
(
    [IdempotencyKey] VARCHAR (100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    [RequestHash]    BINARY (32)        NOT NULL,
    [TodoId]         BIGINT             NOT NULL,
    [Response]       NVARCHAR (MAX)     NOT NULL,
    [CreatedAt]      DATETIMEOFFSET (7) NOT NULL CONSTRAINT [DF_TodoCreateRequests_CreatedAt] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [PK_TodoCreateRequests] PRIMARY KEY CLUSTERED ([IdempotencyKey] ASC)
);
