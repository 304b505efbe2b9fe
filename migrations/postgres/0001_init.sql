-- Tessera schema, PostgreSQL flavour. migrations/sqlite/0001_init.sql holds the same tables,
-- columns, index and constraint names. Times are epoch milliseconds (BIGINT). Searchable text
-- columns use the "C" collation so prefix filters are byte-range index scans.

CREATE TABLE admin_keys (
    access_key_id TEXT PRIMARY KEY,
    secret_access_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE user_pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE user_pool_clients (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret TEXT,
    settings TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX user_pool_clients_pool_idx ON user_pool_clients (pool_id, id);

CREATE TABLE resource_servers (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT resource_servers_pkey PRIMARY KEY (pool_id, identifier)
);

CREATE TABLE user_pool_domains (
    domain TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    custom_config TEXT,
    managed_login_version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_pool_domains_pool_kind_key ON user_pool_domains (pool_id, kind);

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    username TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    enabled BOOLEAN NOT NULL,
    email TEXT COLLATE "C",
    phone_number TEXT COLLATE "C",
    name TEXT COLLATE "C",
    given_name TEXT COLLATE "C",
    family_name TEXT COLLATE "C",
    preferred_username TEXT COLLATE "C",
    email_alias TEXT COLLATE "C",
    phone_alias TEXT COLLATE "C",
    preferred_username_alias TEXT COLLATE "C",
    attributes TEXT NOT NULL,
    password_hash TEXT,
    password_changed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (pool_id, username_key);
CREATE UNIQUE INDEX users_email_alias_key ON users (pool_id, email_alias);
CREATE UNIQUE INDEX users_phone_alias_key ON users (pool_id, phone_alias);
CREATE UNIQUE INDEX users_preferred_username_alias_key ON users (pool_id, preferred_username_alias);
CREATE INDEX users_sub_idx ON users (pool_id, id);
CREATE INDEX users_email_idx ON users (pool_id, email, username_key);
CREATE INDEX users_phone_number_idx ON users (pool_id, phone_number, username_key);
CREATE INDEX users_name_idx ON users (pool_id, name, username_key);
CREATE INDEX users_given_name_idx ON users (pool_id, given_name, username_key);
CREATE INDEX users_family_name_idx ON users (pool_id, family_name, username_key);
CREATE INDEX users_preferred_username_idx ON users (pool_id, preferred_username, username_key);
CREATE INDEX users_status_idx ON users (pool_id, status, username_key);
CREATE INDEX users_enabled_idx ON users (pool_id, enabled, username_key);

CREATE TABLE pool_groups (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT,
    role_arn TEXT,
    precedence BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT pool_groups_pkey PRIMARY KEY (pool_id, name)
);

CREATE TABLE user_groups (
    pool_id TEXT NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    CONSTRAINT user_groups_pkey PRIMARY KEY (pool_id, group_name, user_id),
    CONSTRAINT user_groups_group_fkey FOREIGN KEY (pool_id, group_name)
        REFERENCES pool_groups (pool_id, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX user_groups_user_idx ON user_groups (user_id, group_name);

-- One-time codes (sign-up confirmation, password reset, attribute verification), stored hashed.
CREATE TABLE user_codes (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CONSTRAINT user_codes_pkey PRIMARY KEY (user_id, purpose)
);
