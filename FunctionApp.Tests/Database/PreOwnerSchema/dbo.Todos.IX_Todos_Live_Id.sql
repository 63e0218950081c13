-- Unfiltered keyset list (GET /api/todos?after=…): Id > @After in Id order over live rows only, so a page
-- does not wade through soft-deleted rows still waiting for the purge (the clustered key would).
CREATE NONCLUSTERED INDEX [IX_Todos_Live_Id]
    ON [dbo].[Todos] ([Id] ASC)
    WHERE ([DeletedAt] IS NULL);
