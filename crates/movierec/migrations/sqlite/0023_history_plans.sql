-- A kept upload stores the plan its preview made (the matched rows and the report) instead
-- of the file: viewing or applying it never parses and matches the file again. Ids are
-- AUTOINCREMENT so an id is never given twice: a page holding an older upload's id can
-- never reach a newer upload. Previews kept before this change are dropped (they hold no
-- plan); the ids they had stay used.
CREATE TABLE history_imports_planned (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name  TEXT    NOT NULL,
    conflicts  TEXT    NOT NULL,
    report     TEXT,
    plan       TEXT,
    created_at BIGINT  NOT NULL,
    applied_at BIGINT
);

INSERT INTO history_imports_planned (id, user_id, file_name, conflicts, report, created_at, applied_at)
SELECT id, user_id, file_name, conflicts, report, created_at, applied_at FROM history_imports;

DELETE FROM history_imports_planned WHERE applied_at IS NULL;

DROP TABLE history_imports;

ALTER TABLE history_imports_planned RENAME TO history_imports;

CREATE INDEX history_imports_user ON history_imports (user_id, created_at);
