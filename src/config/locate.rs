//! Which config file to read: the one place that decides it.
//!
//! In order: `--config PATH`, the environment variable `SCRAPEFEED_CONFIG`, `./config.toml`,
//! `$XDG_CONFIG_HOME/scrapefeed/config.toml` (`~/.config` when `XDG_CONFIG_HOME` is unset or
//! not absolute, as the XDG spec says) and `/etc/scrapefeed/config.toml`.
//!
//! Invariants:
//! - a path the user named (flag or variable) is used or refused, never skipped: a missing or
//!   unreadable one is an error naming it and where it came from, so a typo in a unit file
//!   never quietly serves another config;
//! - a place that exists is chosen even when it cannot be read, so the read error names it
//!   instead of the search going on to a config the user did not mean;
//! - when nothing is found, the error lists every place looked at, in order.
//!
//! The environment is a function (`Env`), so tests need not touch the process's.

use std::fmt;
use std::path::{Path, PathBuf};

/// Reads one environment variable; `None` when it is unset (or not UTF-8).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process's own environment, for `Env`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The variable that names a config file when `--config` is not given.
pub const CONFIG_VARIABLE: &str = "SCRAPEFEED_CONFIG";

/// No config file could be used.
#[derive(Debug, thiserror::Error)]
pub enum NotFound {
    /// The file the user named cannot be read.
    #[error("cannot read the config file {} given by {origin}: {source}", .path.display())]
    Named {
        path: PathBuf,
        /// `--config` or `SCRAPEFEED_CONFIG`.
        origin: &'static str,
        source: std::io::Error,
    },
    /// None of the usual places holds a config file.
    #[error("no config file found; looked for, in order:{}\n\
             give one with --config PATH or {CONFIG_VARIABLE}=PATH", Places(.places))]
    Nowhere { places: Vec<String> },
}

/// The places searched, one per line.
struct Places<'a>(&'a [String]);

impl fmt::Display for Places<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for place in self.0 {
            write!(f, "\n  {place}")?;
        }
        Ok(())
    }
}

/// The config file to read: `explicit` (the `--config` flag) first, then the environment,
/// then the usual places.
pub fn locate(explicit: Option<&Path>, env: Env<'_>) -> Result<PathBuf, NotFound> {
    locate_from(Path::new("."), explicit, env)
}

/// `locate` with `./config.toml` looked for in `cwd` (tests must not change the process's
/// current directory: other tests run beside them).
fn locate_from(cwd: &Path, explicit: Option<&Path>, env: Env<'_>) -> Result<PathBuf, NotFound> {
    if let Some(path) = explicit {
        return named(path, "--config");
    }
    if let Some(path) = env(CONFIG_VARIABLE).filter(|p| !p.is_empty()) {
        return named(Path::new(&path), CONFIG_VARIABLE);
    }
    let mut places = Vec::new();
    for place in usual_places(cwd, env) {
        match place {
            Ok(path) => {
                if present(&path) {
                    return Ok(path);
                }
                places.push(path.display().to_string());
            }
            Err(skipped) => places.push(skipped),
        }
    }
    Err(NotFound::Nowhere { places })
}

/// A path the user named, if it can be opened for reading.
fn named(path: &Path, origin: &'static str) -> Result<PathBuf, NotFound> {
    let readable = std::fs::File::open(path).and_then(|file| {
        if file.metadata()?.is_dir() {
            Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            ))
        } else {
            Ok(())
        }
    });
    match readable {
        Ok(()) => Ok(path.to_path_buf()),
        Err(source) => Err(NotFound::Named {
            path: path.to_path_buf(),
            origin,
            source,
        }),
    }
}

/// Whether something is at `path`: anything but "not found" counts, so that a file that
/// exists but cannot be read stops the search (its read error then names it).
fn present(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => !meta.is_dir(),
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

/// The places searched without a named file, in order; a place that cannot be formed (no
/// home directory) is the text listed for it instead.
fn usual_places(cwd: &Path, env: Env<'_>) -> Vec<Result<PathBuf, String>> {
    vec![
        Ok(cwd.join("config.toml")),
        user_config_dir(env)
            .map(|dir| dir.join("scrapefeed").join("config.toml"))
            .ok_or_else(|| {
                "$XDG_CONFIG_HOME/scrapefeed/config.toml (skipped: neither XDG_CONFIG_HOME \
                 nor HOME is set)"
                    .to_string()
            }),
        Ok(PathBuf::from("/etc/scrapefeed/config.toml")),
    ]
}

/// `$XDG_CONFIG_HOME`, or `$HOME/.config`; a relative `XDG_CONFIG_HOME` is ignored, as the
/// XDG Base Directory spec requires.
fn user_config_dir(env: Env<'_>) -> Option<PathBuf> {
    env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            env("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| Path::new(&home).join(".config"))
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &Path)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.display().to_string()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    fn touch(path: &Path) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
        path.to_path_buf()
    }

    #[test]
    fn the_flag_wins_over_everything() {
        let dir = tempfile::tempdir().unwrap();
        let flag = touch(&dir.path().join("flag.toml"));
        let var = touch(&dir.path().join("var.toml"));
        touch(&dir.path().join("config.toml"));
        let env = env_of(&[(CONFIG_VARIABLE, &var)]);
        let found = locate_from(dir.path(), Some(&flag), &env).unwrap();
        assert_eq!(found, flag);
    }

    #[test]
    fn the_variable_comes_before_the_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        let var = touch(&dir.path().join("var.toml"));
        touch(&dir.path().join("config.toml"));
        let env = env_of(&[(CONFIG_VARIABLE, &var)]);
        let found = locate_from(dir.path(), None, &env).unwrap();
        assert_eq!(found, var);
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("config.toml"));
        let missing = dir.path().join("typo.toml");
        let env = env_of(&[(CONFIG_VARIABLE, &missing)]);
        let err = locate_from(dir.path(), None, &env).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("typo.toml"), "{message}");
        assert!(message.contains(CONFIG_VARIABLE), "{message}");
        let err = locate_from(dir.path(), Some(&missing), &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("given by --config"), "{err}");
        // A directory is not a config file either.
        let err = locate_from(dir.path(), Some(dir.path()), &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }

    #[test]
    fn the_current_directory_comes_before_the_user_config() {
        let dir = tempfile::tempdir().unwrap();
        let xdg = dir.path().join("xdg");
        touch(&xdg.join("scrapefeed/config.toml"));
        let work = dir.path().join("work");
        touch(&work.join("config.toml"));
        let env = env_of(&[("XDG_CONFIG_HOME", &xdg)]);
        let found = locate_from(&work, None, &env).unwrap();
        assert_eq!(found, work.join("config.toml"));
    }

    #[test]
    fn the_user_config_is_under_xdg_config_home_or_home() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let xdg = dir.path().join("xdg");
        let in_xdg = touch(&xdg.join("scrapefeed/config.toml"));
        let home = dir.path().join("home");
        let in_home = touch(&home.join(".config/scrapefeed/config.toml"));
        let both = env_of(&[("XDG_CONFIG_HOME", &xdg), ("HOME", &home)]);
        assert_eq!(locate_from(&empty, None, &both).unwrap(), in_xdg);
        let home_only = env_of(&[("HOME", &home)]);
        assert_eq!(locate_from(&empty, None, &home_only).unwrap(), in_home);
        // A relative XDG_CONFIG_HOME is ignored (XDG Base Directory spec).
        let relative = env_of(&[("XDG_CONFIG_HOME", Path::new("xdg")), ("HOME", &home)]);
        assert_eq!(locate_from(&empty, None, &relative).unwrap(), in_home);
    }

    #[test]
    fn nothing_found_lists_every_place_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let env = env_of(&[("HOME", &home)]);
        let err = locate_from(dir.path(), None, &env).unwrap_err();
        let message = err.to_string();
        let places = [
            dir.path().join("config.toml").display().to_string(),
            home.join(".config/scrapefeed/config.toml")
                .display()
                .to_string(),
            "/etc/scrapefeed/config.toml".to_string(),
        ];
        let at: Vec<usize> = places
            .iter()
            .map(|p| {
                message
                    .find(p.as_str())
                    .unwrap_or_else(|| panic!("{p}: {message}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{message}");
        assert!(message.contains("--config PATH"), "{message}");
        // Without HOME, the user's place is listed as skipped, not left out.
        let err = locate_from(dir.path(), None, &env_of(&[])).unwrap_err();
        assert!(
            err.to_string().contains("neither XDG_CONFIG_HOME nor HOME"),
            "{err}"
        );
    }
}
