-- Keyset list filtered by done state (GET /api/todos?done=…&after=…): seek IsDone = @Done and Id > @After,
-- read in Id order, live rows only. A page is small (TOP (@Limit)), so key lookups for the other columns are cheap.
CREATE NONCLUSTERED INDEX [IX_Todos_Live_IsDone_Id]
    ON [dbo].[Todos] ([IsDone] ASC, [Id] ASC)
    WHERE ([DeletedAt] IS NULL);
