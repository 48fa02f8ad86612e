-- A kept upload stores the plan its preview made (the matched rows and the report) instead
-- of the file: viewing or applying it never parses and matches the file again. Previews
-- kept before this change are dropped (they hold no plan). The identity column never gives
-- an id twice.
DELETE FROM history_imports WHERE applied_at IS NULL;

ALTER TABLE history_imports DROP COLUMN data;

ALTER TABLE history_imports ADD COLUMN plan TEXT;
