-- Database roles per purpose (issue 18): nothing but the migrations runs as the owner.
--   entity_reader: search and stats; reads the read model, nothing else.
--   entity_writer: the projector, reconciliation and the worker's rebuild; reads and writes the
--                  read-model tables (no DELETE: deletions are soft), no DDL, no schema_migrations.
-- The owner (the user that runs the migrations, the database's master user in AWS) owns every
-- table. In AWS both roles log in through RDS Proxy with IAM authentication (rds_iam), so they
-- have no password. A migration that adds a table grants on it here too.
-- Roles are cluster-wide: created once, whichever database migrates first (concurrent runners on
-- one server, e.g. parallel test runs, may race: the loser finds the role there).
DO $$
BEGIN
  CREATE ROLE entity_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
  CREATE ROLE entity_writer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- Only the owner creates objects (PostgreSQL 15+ no longer lets PUBLIC create in `public`; older ones did).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO entity_reader, entity_writer', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO entity_reader, entity_writer;
GRANT SELECT ON entities TO entity_reader;
GRANT SELECT, INSERT, UPDATE ON entities, reconciliation_state TO entity_writer;

-- RDS: the roles authenticate with IAM tokens (RDS Proxy's end-to-end IAM authentication).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO entity_reader, entity_writer;
  END IF;
END $$;
