-- Each Idempotency-Key record is its owner's (the stored answer holds the owner's todo):
--   FILTER                : reads and deletes see the owner's records (the purge: records past the 24-hour retention);
--   BLOCK AFTER INSERT    : a new record must belong to the session's owner;
--   BLOCK BEFORE UPDATE   : only the owner changes a record (the app never does; the purge session must not);
--   BLOCK AFTER UPDATE    : a record cannot be handed to another owner.
-- Deletes need no block of their own: the filter already limits them to the owner's (expired key forgotten by a
-- create) or, for the purge, to expired records.
CREATE SECURITY POLICY [Security].[CreateRequestOwnership]
    ADD FILTER PREDICATE [Security].[CreateRequestReadPredicate]([OwnerId], [CreatedAt]) ON [dbo].[TodoCreateRequests],
    ADD BLOCK PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[TodoCreateRequests] AFTER INSERT,
    ADD BLOCK PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[TodoCreateRequests] BEFORE UPDATE,
    ADD BLOCK PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[TodoCreateRequests] AFTER UPDATE
    WITH (STATE = ON, SCHEMABINDING = ON);
