-- Each todo is its owner's, enforced by the database whatever a statement's own WHERE says:
--   FILTER                : reads, updates and deletes see the owner's rows (the purge: its expired soft-deleted rows);
--   BLOCK AFTER INSERT    : a new row must belong to the session's owner;
--   BLOCK BEFORE UPDATE   : only the owner changes a row (the purge session sees rows it must not change);
--   BLOCK AFTER UPDATE    : a row cannot be handed to another owner;
--   BLOCK BEFORE DELETE   : only the purge session removes rows, and only those soft-deleted before its cutoff.
CREATE SECURITY POLICY [Security].[TodoOwnership]
    ADD FILTER PREDICATE [Security].[TodoReadPredicate]([OwnerId], [DeletedAt]) ON [dbo].[Todos],
    ADD BLOCK PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[Todos] AFTER INSERT,
    ADD BLOCK PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[Todos] BEFORE UPDATE,
    ADD BLOCK PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[Todos] AFTER UPDATE,
    ADD BLOCK PREDICATE [Security].[TodoPurgePredicate]([DeletedAt]) ON [dbo].[Todos] BEFORE DELETE
    WITH (STATE = ON, SCHEMABINDING = ON);
