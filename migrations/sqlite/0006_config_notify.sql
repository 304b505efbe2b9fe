-- On PostgreSQL this migration made the configuration counter's trigger announce each new
-- number with NOTIFY; migration 0007 takes that back. SQLite has no notifications: nothing to do
-- here, the file keeps both folders' numbers the same.
SELECT 1;
