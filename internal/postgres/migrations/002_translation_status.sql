-- How far a translation can be trusted ("needs review by a native speaker").
ALTER TABLE revisions ADD COLUMN translation_status text;
