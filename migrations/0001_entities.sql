-- The read model of entities: one row per entity ever projected, deletions kept as soft deletes
-- (deleted_at set) so a late, older event can never resurrect an entity. The seed's columns
-- (id, name, attributes, created_at, updated_at) plus tenant, visibility, version, deletion.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE entities (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  name         varchar(255) NOT NULL,
  attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
  visibility   text NOT NULL DEFAULT 'private' CHECK (visibility IN ('public', 'private')),
  -- The entity's version in DynamoDB; a change is applied only when it is newer than this.
  version      integer NOT NULL CHECK (version > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- The time of the last change the read model knows of (the deletion time for deleted rows).
  updated_at   timestamptz,
  deleted_at   timestamptz,
  -- When the projector last wrote the row (lag = projected_at - updated_at).
  projected_at timestamptz NOT NULL DEFAULT now()
);

-- Attribute containment (attributes @> '{"colour":"blue"}') for search.
CREATE INDEX entities_attributes_path_ops ON entities USING gin (attributes jsonb_path_ops);
-- Name text match (lower(name) LIKE '%text%'), within a tenant.
CREATE INDEX entities_name_trgm ON entities USING gin (lower(name) gin_trgm_ops);
-- Tenant-scoped listings in each sort order (keyset pagination), live rows only.
CREATE INDEX entities_tenant_name ON entities (tenant_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX entities_tenant_created ON entities (tenant_id, created_at, id) WHERE deleted_at IS NULL;
-- Freshness (max(updated_at) per tenant) and reconciliation (every row of a tenant).
CREATE INDEX entities_tenant_updated ON entities (tenant_id, updated_at);
