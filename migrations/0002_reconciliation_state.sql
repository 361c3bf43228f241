-- Where the scheduled reconciliation stopped discovering tenants (a bounded, resumable scan of
-- the DynamoDB table), so each hourly run continues where the previous one ended.
CREATE TABLE reconciliation_state (
  name        text PRIMARY KEY,
  position    jsonb,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
