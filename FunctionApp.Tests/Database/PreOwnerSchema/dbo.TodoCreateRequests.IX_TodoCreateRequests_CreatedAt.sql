-- The purge (DELETE TOP (@Batch) ... WHERE CreatedAt < @Cutoff) reads the oldest records first.
CREATE NONCLUSTERED INDEX [IX_TodoCreateRequests_CreatedAt]
    ON [dbo].[TodoCreateRequests] ([CreatedAt] ASC);
