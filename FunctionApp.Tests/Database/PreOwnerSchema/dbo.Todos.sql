-- One row per todo. Rows are soft-deleted (DeletedAt) and purged in batches after a retention period.
CREATE TABLE [dbo].[Todos]
(
    [Id]        BIGINT             IDENTITY (1, 1) NOT NULL,
    [Title]     NVARCHAR (200)     NOT NULL,
    [Notes]     NVARCHAR (MAX)     NULL,
    [DueAt]     DATETIMEOFFSET (7) NULL,
    [IsDone]    BIT                NOT NULL CONSTRAINT [DF_Todos_IsDone] DEFAULT (0),
    [CreatedAt] DATETIMEOFFSET (7) NOT NULL CONSTRAINT [DF_Todos_CreatedAt] DEFAULT (SYSUTCDATETIME()),
    [UpdatedAt] DATETIMEOFFSET (7) NOT NULL CONSTRAINT [DF_Todos_UpdatedAt] DEFAULT (SYSUTCDATETIME()),
    [DeletedAt] DATETIMEOFFSET (7) NULL,
    -- Optimistic concurrency: updates match on the RowVersion the client last read.
    [RowVersion] ROWVERSION        NOT NULL,
    CONSTRAINT [PK_Todos] PRIMARY KEY CLUSTERED ([Id] ASC),
    -- TRIM strips spaces only; tabs and line breaks count as blank too.
    CONSTRAINT [CK_Todos_Title_NotBlank] CHECK (LEN(TRIM(CHAR(9) + CHAR(10) + CHAR(13) + N' ' FROM [Title])) > 0)
);
