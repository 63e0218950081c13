-- Row-level security objects (predicate functions and security policies) live apart from the data, owned by dbo.
-- The app's database user is granted nothing here: schema-bound policies run their predicates without permission
-- checks for the querying user.
CREATE SCHEMA [Security]
    AUTHORIZATION [dbo];
