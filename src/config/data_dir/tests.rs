//! The data directory's choice, the move from `feeds/`, and the start-up errors, on temp dirs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

/// Storage as `validate` makes it when `storage.database` is not set.
fn defaulted(base: &Path) -> StorageSettings {
    StorageSettings {
        database: default_database(base, &env_of(&[])),
        postgres: None,
        pool_size: 8,
        legacy_database: Some(legacy_database(base)),
        feeds_dir: Some(base.join("feeds")),
        max_entries: 100,
        max_age: None,
    }
}

/// Writes the old default database with a WAL and a shared-memory file, each with its name
/// as content.
fn old_install(base: &Path) -> PathBuf {
    let old = legacy_database(base);
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        std::fs::write(with_suffix(&old, suffix), format!("db{suffix}")).unwrap();
    }
    old
}

fn content(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_default_is_the_state_directory_under_systemd_else_data_beside_the_config() {
    let base = Path::new("/srv/news");
    assert_eq!(
        default_database(base, &env_of(&[])),
        Path::new("/srv/news/data/scrapefeed.db")
    );
    let systemd = env_of(&[("STATE_DIRECTORY", "/var/lib/scrapefeed:/var/lib/other")]);
    assert_eq!(
        default_database(base, &systemd),
        Path::new("/var/lib/scrapefeed/scrapefeed.db")
    );
    let empty = env_of(&[("STATE_DIRECTORY", "")]);
    assert_eq!(
        default_database(base, &empty),
        Path::new("/srv/news/data/scrapefeed.db")
    );
}

#[test]
fn an_old_database_moves_with_its_sidecars_and_feeds_keeps_only_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let old = old_install(dir.path());
    std::fs::write(dir.path().join("feeds/all.rss"), "<rss/>").unwrap();
    let mut storage = defaulted(dir.path());
    settle(&mut storage).unwrap();
    let new = dir.path().join("data/scrapefeed.db");
    assert_eq!(storage.database, new);
    for suffix in ["", "-wal", "-shm"] {
        assert_eq!(content(&with_suffix(&new, suffix)), format!("db{suffix}"));
        assert!(!with_suffix(&old, suffix).exists(), "{suffix} left behind");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path().join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["all.rss"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "the new data directory is private");
    }
}

#[test]
fn nothing_moves_when_the_new_database_exists_or_the_path_is_explicit() {
    let dir = tempfile::tempdir().unwrap();
    let old = old_install(dir.path());
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/scrapefeed.db"), "new").unwrap();
    let mut storage = defaulted(dir.path());
    settle(&mut storage).unwrap();
    assert_eq!(content(&storage.database), "new");
    assert_eq!(content(&old), "db");

    let other = tempfile::tempdir().unwrap();
    let old = old_install(other.path());
    let mut explicit = defaulted(other.path());
    explicit.legacy_database = None;
    explicit.database = other.path().join("elsewhere/my.db");
    settle(&mut explicit).unwrap();
    assert_eq!(content(&old), "db");
    assert!(!explicit.database.exists(), "settle creates no database");
    assert!(other.path().join("elsewhere").is_dir());
}

#[test]
fn a_move_that_fails_keeps_the_old_database_whole_with_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let old = old_install(dir.path());
    // The WAL moves, then the shared-memory file cannot (a non-empty directory is in its
    // way, which stops even root): the WAL must come back.
    let blocker = dir.path().join("data/scrapefeed.db-shm");
    std::fs::create_dir_all(blocker.join("x")).unwrap();
    let mut storage = defaulted(dir.path());
    settle(&mut storage).unwrap();
    assert_eq!(storage.database, old);
    for suffix in ["", "-wal", "-shm"] {
        assert_eq!(content(&with_suffix(&old, suffix)), format!("db{suffix}"));
    }
    assert!(!dir.path().join("data/scrapefeed.db-wal").exists());
    // A reload, which never moves, follows the database to where it stayed.
    let mut reloaded = defaulted(dir.path());
    reloaded.follow_unmoved();
    assert_eq!(reloaded.database, old);
}

#[test]
fn a_data_directory_that_cannot_be_made_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be stops even root.
    std::fs::write(dir.path().join("data"), "not a directory").unwrap();
    let mut storage = defaulted(dir.path());
    let err = settle(&mut storage).unwrap_err().to_string();
    assert!(
        err.contains(&dir.path().join("data").display().to_string()),
        "{err}"
    );
    assert!(err.contains("cannot create the data directory"), "{err}");
    assert!(err.contains("storage.database"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_read_only_data_directory_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    // Root writes anywhere: the permission check is not observable then.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: running as root, which permissions do not stop");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();
    let mut storage = defaulted(dir.path());
    let err = settle(&mut storage).unwrap_err().to_string();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(err.contains("is not writable"), "{err}");
    assert!(err.contains(&data.display().to_string()), "{err}");
}

#[test]
fn settle_leaves_everything_alone_for_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    let mut storage = defaulted(base);
    // As `validate` makes it for a postgres URL: no legacy move; here even a left-over old
    // file and an unwritable default place must not matter.
    storage.legacy_database = None;
    storage.postgres =
        Some(crate::config::PgTarget::parse("postgres://u@db.example/feeds").unwrap());
    storage.database = base.join("not-a-dir/sub/scrapefeed.db");
    std::fs::write(base.join("not-a-dir"), "a file where a directory would go").unwrap();
    settle(&mut storage).unwrap();
    assert!(!base.join("data").exists(), "no data directory made");
}
