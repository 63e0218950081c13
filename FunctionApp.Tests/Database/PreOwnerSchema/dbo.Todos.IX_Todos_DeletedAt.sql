-- Purge (DELETE TOP (@Batch) ... WHERE DeletedAt < @Cutoff) reads only soft-deleted rows, oldest first;
-- live rows (the vast majority) stay out of this index.
CREATE NONCLUSTERED INDEX [IX_Todos_DeletedAt]
    ON [dbo].[Todos] ([DeletedAt] ASC)
    WHERE ([DeletedAt] IS NOT NULL);
