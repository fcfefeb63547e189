//! `[server]`, `[storage]`, `[scheduler]` and `[cluster]`: values only, each parsed where it was read,
//! plus the paths resolved against the config file's directory.

use std::path::Path;

use super::Checker;

/// The environment variable that, set and not empty, takes the place of `storage.database`.
pub const DATABASE_URL_ENV: &str = "SCRAPEFEED_DATABASE_URL";
use crate::config::checked::Parse;
use crate::config::data_dir;
use crate::config::defaults;
use crate::config::locate::Env;
use crate::config::raw::{RawCluster, RawScheduler, RawServer, RawStorage};
use crate::config::values::AdminToken;
use crate::config::{
    ClusterSettings, ConnectionSettings, PgTarget, SchedulerSettings, ServerSettings,
    StorageSettings,
};

/// Where the admin token is read when the config does not set it.
pub const ADMIN_TOKEN_ENV: &str = "SCRAPEFEED_ADMIN_TOKEN";

impl Checker<'_> {
    pub(super) fn server(
        &mut self,
        raw: RawServer,
        base_dir: &Path,
        env: Env<'_>,
    ) -> ServerSettings {
        let listen = self
            .take(raw.listen, "", "server.listen")
            .unwrap_or_else(|| defaults::listen().valid());
        let public_url = raw
            .public_url
            .and_then(|url| self.take(url, "", "server.public_url"));
        let trusted_proxies = raw
            .trusted_proxies
            .into_iter()
            .filter_map(|net| self.take(net, "", "server.trusted_proxies"))
            .collect();
        let feed_cache_bytes = self
            .take(raw.feed_cache, "", "server.feed_cache")
            .unwrap_or_else(|| defaults::feed_cache().valid());
        let connections = ConnectionSettings {
            header_timeout: self
                .take(raw.header_timeout, "", "server.header_timeout")
                .unwrap_or_else(|| defaults::header_timeout().valid()),
            keep_alive_timeout: self
                .take(raw.keep_alive_timeout, "", "server.keep_alive_timeout")
                .unwrap_or_else(|| defaults::keep_alive_timeout().valid()),
            send_timeout: self
                .take(raw.send_timeout, "", "server.send_timeout")
                .unwrap_or_else(|| defaults::send_timeout().valid()),
            max_connections: raw
                .max_connections
                .and_then(|cap| self.take(cap, "", "server.max_connections")),
        };
        let shutdown_grace = self
            .take(raw.shutdown_grace, "", "server.shutdown_grace")
            .unwrap_or_else(|| defaults::shutdown_grace().valid());
        let admin_token = match raw.admin_token {
            Some(token) => self.take(token, "", "server.admin_token"),
            None => self.admin_token_from_env(env),
        };
        ServerSettings {
            listen,
            public_url,
            trusted_proxies,
            templates_dir: base_dir.join(raw.templates),
            feed_cache_bytes,
            connections,
            shutdown_grace,
            suggest: raw.suggest,
            admin_token,
        }
    }

    /// `SCRAPEFEED_ADMIN_TOKEN` when `server.admin_token` is unset: the secret can stay out
    /// of the file. An empty variable counts as unset; a weak one is a problem like a weak key.
    fn admin_token_from_env(&mut self, env: Env<'_>) -> Option<String> {
        let token = env(ADMIN_TOKEN_ENV).filter(|t| !t.is_empty())?;
        match AdminToken::parse(&token) {
            Ok(token) => Some(token),
            Err(problem) => {
                self.problems
                    .push(format!("environment variable {ADMIN_TOKEN_ENV}: {problem}"));
                None
            }
        }
    }

    pub(super) fn storage(
        &mut self,
        raw: RawStorage,
        base_dir: &Path,
        env: Env<'_>,
    ) -> StorageSettings {
        let max_entries = self
            .take(raw.max_entries, "", "storage.max_entries")
            .unwrap_or_else(|| defaults::max_entries().valid());
        let max_age = raw
            .max_age
            .and_then(|age| self.take(age, "", "storage.max_age"));
        let pool_size = self
            .take(raw.pool_size, "", "storage.pool_size")
            .unwrap_or_else(|| defaults::pool_size().valid());
        // The environment's URL takes the key's place, so the password stays out of the file.
        let from_env = env(DATABASE_URL_ENV).filter(|url| !url.trim().is_empty());
        let (in_env, database_text) = match from_env {
            Some(url) => (true, Some(url)),
            None => (false, raw.database),
        };
        let postgres = match database_text.as_deref() {
            Some(text) if PgTarget::is_postgres_url(text) => match PgTarget::parse(text) {
                Ok(target) => Some(target),
                Err(error) if in_env => {
                    let problem = format!("environment variable {DATABASE_URL_ENV}: {error}");
                    self.problems.push(problem);
                    None
                }
                Err(error) => {
                    self.problem(None, "", "storage.database", error.to_string());
                    None
                }
            },
            _ => None,
        };
        let feeds_dir = raw
            .feeds_dir
            .as_deref()
            .or(defaults::feeds_dir(
                database_text
                    .as_deref()
                    .is_some_and(PgTarget::is_postgres_url),
            ))
            .map(|dir| base_dir.join(dir));
        // Unset, the database goes to the data directory, and one found at the old default
        // (in `feeds/`) is moved there at start (`data_dir::settle`); never for PostgreSQL.
        let (database, legacy_database) = match database_text {
            Some(text) if PgTarget::is_postgres_url(&text) => {
                (data_dir::default_database(base_dir, env), None)
            }
            Some(path) => (base_dir.join(path), None),
            None => (
                data_dir::default_database(base_dir, env),
                Some(data_dir::legacy_database(base_dir)),
            ),
        };
        StorageSettings {
            database,
            postgres,
            pool_size: u32::try_from(pool_size).unwrap_or(u32::MAX),
            legacy_database,
            feeds_dir,
            max_entries,
            max_age,
        }
    }

    pub(super) fn scheduler(&mut self, raw: RawScheduler) -> SchedulerSettings {
        let jitter = self
            .take(raw.jitter, "", "scheduler.jitter")
            .unwrap_or_else(|| defaults::jitter().valid());
        let concurrency = self
            .take(raw.concurrency, "", "scheduler.concurrency")
            .unwrap_or_else(|| defaults::concurrency().valid());
        SchedulerSettings {
            concurrency,
            jitter,
        }
    }

    pub(super) fn cluster(&mut self, raw: RawCluster) -> ClusterSettings {
        let lease_expiry = self
            .take(raw.lease_expiry, "", "cluster.lease_expiry")
            .unwrap_or_else(|| defaults::lease_expiry().valid());
        ClusterSettings { lease_expiry }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};

    const SITE: &str = r#"
[[site]]
id = "example"
base_url = "https://www.example.com"
[site.listing]
type = "html"
items = "li"
[site.listing.fields]
link = { css = "a", attr = "href" }
[[site.section]]
id = "news"
"#;

    fn with_env(text: &str, token: Option<&str>) -> Result<Config, ConfigError> {
        let env = |name: &str| (name == super::ADMIN_TOKEN_ENV).then(|| token.map(String::from))?;
        Config::parse_with_env(text, Path::new("."), &env)
    }

    #[test]
    fn the_admin_token_comes_from_the_given_environment_when_the_key_is_unset() {
        let config = with_env(SITE, Some("0123456789abcdef")).unwrap();
        assert_eq!(
            config.server.admin_token.as_deref(),
            Some("0123456789abcdef")
        );
        assert_eq!(with_env(SITE, None).unwrap().server.admin_token, None);
        assert_eq!(with_env(SITE, Some("")).unwrap().server.admin_token, None);
        let keyed = format!("[server]\nadmin_token = \"fedcba9876543210\"\n{SITE}");
        let config = with_env(&keyed, Some("0123456789abcdef")).unwrap();
        assert_eq!(
            config.server.admin_token.as_deref(),
            Some("fedcba9876543210"),
            "the key wins over the environment"
        );
        let weak = with_env(SITE, Some("hunter2")).unwrap_err().to_string();
        assert!(weak.contains("SCRAPEFEED_ADMIN_TOKEN"), "{weak}");
        assert!(
            !weak.contains("hunter2"),
            "the secret is never quoted: {weak}"
        );
    }

    #[test]
    fn feed_files_default_to_feeds_with_sqlite_and_to_none_with_postgres() {
        let parse = |storage: &str, url: Option<&str>| {
            let env =
                |name: &str| (name == super::DATABASE_URL_ENV).then(|| url.map(String::from))?;
            let text = format!("[storage]\n{storage}\n{SITE}");
            Config::parse_with_env(&text, Path::new("."), &env)
                .unwrap()
                .storage
                .feeds_dir
        };
        assert_eq!(parse("", None), Some(Path::new("./feeds").into()));
        assert_eq!(parse("database = \"postgres://sf@db/sf\"", None), None);
        assert_eq!(parse("", Some("postgres://sf:pw@db/sf")), None);
        assert_eq!(
            parse(
                "database = \"postgres://sf@db/sf\"\nfeeds_dir = \"out\"",
                None
            ),
            Some(Path::new("./out").into()),
            "set, an instance on PostgreSQL writes files too"
        );
    }

    fn with_database_env(text: &str, url: Option<&str>) -> Result<Config, ConfigError> {
        let env = |name: &str| (name == super::DATABASE_URL_ENV).then(|| url.map(String::from))?;
        Config::parse_with_env(text, Path::new("."), &env)
    }

    #[test]
    fn a_postgres_url_chooses_postgres_and_the_environment_overrides_the_key() {
        let sqlite = with_database_env(SITE, None).unwrap().storage;
        assert_eq!(sqlite.postgres, None);
        assert!(
            sqlite.legacy_database.is_some(),
            "the default file may be moved"
        );
        assert_eq!(sqlite.pool_size, 8);

        let keyed = format!(
            "[storage]\ndatabase = \"postgres://sf:secret@db.example/feeds\"\npool_size = 3\n{SITE}"
        );
        let storage = with_database_env(&keyed, None).unwrap().storage;
        let target = storage.postgres.expect("postgres chosen");
        assert_eq!(target.redacted(), "postgres://sf@db.example/feeds");
        assert_eq!(
            storage.legacy_database, None,
            "nothing is moved for PostgreSQL"
        );
        assert_eq!(storage.pool_size, 3);

        let from_env = "postgres://sf:other@db2.example/feeds";
        let storage = with_database_env(&keyed, Some(from_env)).unwrap().storage;
        assert_eq!(
            storage.postgres.unwrap().url(),
            from_env,
            "the environment wins"
        );
        // Empty is unset: the key applies.
        let storage = with_database_env(&keyed, Some("")).unwrap().storage;
        assert_eq!(
            storage.postgres.unwrap().redacted(),
            "postgres://sf@db.example/feeds"
        );
        // A file path in the environment chooses SQLite there.
        let storage = with_database_env(SITE, Some("/tmp/x.db")).unwrap().storage;
        assert_eq!(storage.postgres, None);
        assert_eq!(storage.database, Path::new("/tmp/x.db"));
    }

    #[test]
    fn a_malformed_postgres_url_names_its_key_without_the_password() {
        let keyed = format!(
            "[storage]\ndatabase = \"postgres://sf:hunter2@db.example/feeds?sslmode=sometimes\"\n{SITE}"
        );
        let error = with_database_env(&keyed, None).unwrap_err().to_string();
        assert!(error.contains("key `storage.database`"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let bad = "postgres://sf:hunter2@db.example/feeds?sslmode=sometimes";
        let error = with_database_env(SITE, Some(bad)).unwrap_err().to_string();
        assert!(error.contains("SCRAPEFEED_DATABASE_URL"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let pool = format!("[storage]\npool_size = 0\n{SITE}");
        let error = with_database_env(&pool, None).unwrap_err().to_string();
        assert!(error.contains("storage.pool_size"), "{error}");
    }
}
