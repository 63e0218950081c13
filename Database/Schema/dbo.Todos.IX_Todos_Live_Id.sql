-- Unfiltered keyset list (GET /api/todos?after=…): one owner's live rows, Id > @After in Id order, so a page
-- does not wade through other owners' rows or soft-deleted rows still waiting for the purge (the clustered key would).
CREATE NONCLUSTERED INDEX [IX_Todos_Live_Id]
    ON [dbo].[Todos] ([OwnerId] ASC, [Id] ASC)
    WHERE ([DeletedAt] IS NULL);
