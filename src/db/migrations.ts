/**
 * Schema migrations, applied in order; PRAGMA user_version records how far a database
 * has come. Append new migrations, never edit old ones.
 */
export const MIGRATIONS: string[] = [
  /* 1: accounts, keys, credits, models, renders, overlays */ `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    credits INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at TEXT NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    scopes TEXT NOT NULL DEFAULT 'read,write',
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
  );
  CREATE TABLE credit_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    render_id TEXT,
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    created_at TEXT NOT NULL
  );
  CREATE INDEX credit_ledger_account ON credit_ledger(account_id, id);
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    original_name TEXT NOT NULL,
    title TEXT,
    sku TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    file_size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    file_key TEXT NOT NULL,
    format TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'valid', 'invalid')),
    invalid_reason TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX models_account_sha256 ON models(account_id, sha256) WHERE deleted_at IS NULL;
  CREATE INDEX models_account_created ON models(account_id, created_at);
  CREATE TABLE renders (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    model_id TEXT NOT NULL REFERENCES models(id),
    status TEXT NOT NULL,
    settings TEXT NOT NULL,
    is_system_preview INTEGER NOT NULL DEFAULT 0,
    credits INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0,
    progress INTEGER NOT NULL DEFAULT 0,
    stage TEXT,
    error_code TEXT,
    error_message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    assets TEXT NOT NULL DEFAULT '{}',
    file_size INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
  );
  CREATE INDEX renders_queue ON renders(status, created_at);
  CREATE INDEX renders_account ON renders(account_id, created_at);
  CREATE INDEX renders_model ON renders(model_id);
  CREATE TABLE overlays (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id),
    layer TEXT NOT NULL CHECK (layer IN ('background', 'foreground')),
    alignment TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    file_key TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  `,
  /* 2: model ingest — the upload as received beside the normalised GLB, validator report, warnings, facts, cached USDZ */ `
  ALTER TABLE models ADD COLUMN source_key TEXT;
  ALTER TABLE models ADD COLUMN source_format TEXT;
  ALTER TABLE models ADD COLUMN validation TEXT;
  ALTER TABLE models ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE models ADD COLUMN facts TEXT;
  ALTER TABLE models ADD COLUMN usdz_key TEXT;
  ALTER TABLE models ADD COLUMN usdz_warnings TEXT;
  `,
  /* 3: uploaded environment images (HDR/EXR panoramas for environmentImage), account-scoped */ `
  CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('hdr', 'exr')),
    file_key TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX environments_account ON environments(account_id, created_at);
  `,
  /* 4: templates (a look, stills bookmarks, video shots), account-scoped; the built-in ones live in code */ `
  CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    bookmarks TEXT NOT NULL DEFAULT '[]',
    shots TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX templates_account ON templates(account_id, created_at);
  `,
  /* 5: webhooks and their deliveries (persisted, retried across restarts); renders' retry counter */ `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX webhooks_account ON webhooks(account_id, created_at);
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_response_code INTEGER,
    last_error TEXT,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    redelivery_of TEXT,
    created_at TEXT NOT NULL,
    last_attempt_at TEXT,
    delivered_at TEXT
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
  CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at);
  ALTER TABLE renders ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
  `,
  /* 6: public share pages and signed asset URLs: sharing switches, the data directory's URL-signing secret,
     and the portal's sign-in sessions
     (server_secrets may exist already: another surface keeps its own secret there) */ `
  ALTER TABLE accounts ADD COLUMN sharing INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE renders ADD COLUMN shareable INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE IF NOT EXISTS server_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT OR IGNORE INTO server_secrets (name, value) VALUES ('asset-url-signing', lower(hex(randomblob(32))));
  CREATE TABLE portal_sessions (
    token_hash TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES api_keys(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  /* 7: jobs (the one-call workflow: a model, a template, the renders made of them), and the Glossi-compatible surface's own records; which surface registered a webhook */ `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    model_id TEXT NOT NULL REFERENCES models(id),
    template_id TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );
  CREATE INDEX jobs_account ON jobs(account_id, created_at);
  CREATE TABLE job_renders (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    render_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    shot TEXT,
    PRIMARY KEY (job_id, position)
  );
  CREATE INDEX job_renders_render ON job_renders(render_id);
  CREATE TABLE IF NOT EXISTS server_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT OR IGNORE INTO server_secrets (name, value) VALUES ('compat-upload-signing', lower(hex(randomblob(32))));
  CREATE TABLE glossi_models (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_type TEXT NOT NULL,
    upload_file TEXT,
    model_id TEXT REFERENCES models(id),
    created_at TEXT NOT NULL
  );
  CREATE TABLE glossi_projects (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    glossi_model_id TEXT NOT NULL REFERENCES glossi_models(id),
    template_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE glossi_jobs (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id),
    project_id TEXT NOT NULL REFERENCES glossi_projects(id)
  );
  ALTER TABLE webhooks ADD COLUMN surface TEXT NOT NULL DEFAULT 'renderbay' CHECK (surface IN ('renderbay', 'glossi'));
  `,
  /* 8: generations (prompt or image → image → 3D model through providers) and restyles (image → image or video);
     each holds the credits it reserved until it completes or is refunded, and a heartbeat so an interrupted one is found */ `
  CREATE TABLE generations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    prompt TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'complete', 'error')),
    stage TEXT NOT NULL CHECK (stage IN ('initializing', 'generating_image', 'generating_3d', 'converting_usdz', 'complete', 'error')),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    error TEXT,
    credits INTEGER NOT NULL,
    refunded INTEGER NOT NULL DEFAULT 0,
    input_key TEXT,
    image_key TEXT,
    model_id TEXT REFERENCES models(id),
    heartbeat_at INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX generations_account ON generations(account_id, created_at);
  CREATE TABLE restyles (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL CHECK (kind IN ('refine', 'enhance', 'staging', 'video')),
    prompt TEXT,
    architectural_style TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'completed', 'failed')),
    error TEXT,
    credits INTEGER NOT NULL,
    refunded INTEGER NOT NULL DEFAULT 0,
    input_key TEXT,
    output_key TEXT,
    output_type TEXT,
    heartbeat_at INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX restyles_account ON restyles(account_id, created_at);
  `,
];
