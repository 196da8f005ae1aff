-- +goose Up
-- The outbox keeps its order (seq, from its sequence) but no primary key
-- index: the INSERT every audited request sends with its COMMIT then writes
-- one heap row and no index entry (a NULL dedup key is not in the partial
-- unique index). The outbox holds what the chainer has not moved yet, a few
-- rows when it keeps up, so the chainer's reads and deletes by seq scan it.
ALTER TABLE audit_outbox DROP CONSTRAINT audit_outbox_pkey;
ALTER TABLE audit_outbox ALTER COLUMN seq SET NOT NULL;

-- +goose Down
ALTER TABLE audit_outbox ADD CONSTRAINT audit_outbox_pkey PRIMARY KEY (seq);
