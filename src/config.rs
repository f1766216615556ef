//! `.nginx-wslint.toml`: project settings, found upwards from each linted
//! path (`--config FILE` names one for all). Command-line options win.
//!
//! ```toml
//! select = ["WS"]
//! ignore = ["WS011"]
//! target-version = "1.28"
//! min-timeout = "1h"
//! websocket-paths = ["^/live/"]
//! resolver = "127.0.0.11"
//! context = "http"
//! prefix = "nginx"
//!
//! [per-file-ignores]
//! "sites-enabled/*" = ["WS008"]
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

pub const FILE_NAME: &str = ".nginx-wslint.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub target_version: Option<String>,
    pub min_timeout: Option<String>,
    #[serde(default)]
    pub websocket_paths: Vec<String>,
    pub resolver: Option<String>,
    pub context: Option<String>,
    pub prefix: Option<PathBuf>,
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// The directory of the file: relative paths in it start here.
    #[serde(skip)]
    pub dir: PathBuf,
    #[serde(skip)]
    pub path: PathBuf,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config: ConfigFile = toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            let message = e.message().replace("unknown field", "unknown key");
            format!("{}:{line}: {message}", path.display())
        })?;
        config.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// The codes `per-file-ignores` silences for `file`.
    pub fn ignored_for(&self, file: &Path) -> Vec<&str> {
        let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let base = absolute(&self.dir);
        let file = absolute(file);
        let Ok(relative) = file.strip_prefix(&base) else {
            return Vec::new();
        };
        let relative = relative.to_string_lossy();
        self.per_file_ignores
            .iter()
            .filter(|(pattern, _)| glob_matches(pattern, &relative))
            .flat_map(|(_, codes)| codes.iter().map(String::as_str))
            .collect()
    }
}

/// Matches a `/`-separated path against a pattern of fnmatch components,
/// where `**` matches any number of components and a pattern without `/`
/// matches the file name anywhere.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    if !pattern.contains('/') {
        return parts.last().is_some_and(|name| {
            nginx_wslint_parser::glob::matches(pattern.as_bytes(), name.as_bytes())
        });
    }
    let pattern: Vec<&str> = pattern.split('/').collect();
    fn go(p: &[&str], s: &[&str]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(&"**") => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
            Some(head) => {
                !s.is_empty()
                    && nginx_wslint_parser::glob::matches(head.as_bytes(), s[0].as_bytes())
                    && go(&p[1..], &s[1..])
            }
        }
    }
    go(&pattern, &parts)
}

/// Finds and caches the configuration that applies to each path.
#[derive(Default)]
pub struct Configs {
    explicit: Option<Arc<ConfigFile>>,
    by_dir: HashMap<PathBuf, Option<Arc<ConfigFile>>>,
}

impl Configs {
    pub fn new(explicit: Option<&Path>) -> Result<Configs, String> {
        Ok(Configs {
            explicit: explicit.map(ConfigFile::load).transpose()?.map(Arc::new),
            by_dir: HashMap::new(),
        })
    }

    /// The configuration for a file or directory: `--config`, else the
    /// nearest `.nginx-wslint.toml` in it or its ancestors.
    pub fn for_path(&mut self, path: &Path) -> Result<Option<Arc<ConfigFile>>, String> {
        if let Some(c) = &self.explicit {
            return Ok(Some(c.clone()));
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let start = if absolute.is_dir() {
            absolute.clone()
        } else {
            absolute.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let mut visited = Vec::new();
        let mut found = None;
        for dir in start.ancestors() {
            if let Some(cached) = self.by_dir.get(dir) {
                found = cached.clone();
                break;
            }
            visited.push(dir.to_path_buf());
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                found = Some(Arc::new(ConfigFile::load(&candidate)?));
                break;
            }
        }
        for dir in visited {
            self.by_dir.insert(dir, found.clone());
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "select = [\"WS\"]\ntarget_version = \"1.28\"\n").unwrap();
        let err = ConfigFile::load(&path).unwrap_err();
        assert!(err.ends_with(":2: unknown key `target_version`, expected one of `select`, `ignore`, `target-version`, `min-timeout`, `websocket-paths`, `resolver`, `context`, `prefix`, `per-file-ignores`") || err.contains(":2: unknown key `target_version`"), "{err}");
    }

    #[test]
    fn per_file_globs() {
        assert!(glob_matches("sites-enabled/*", "sites-enabled/a.conf"));
        assert!(!glob_matches("sites-enabled/*", "x/sites-enabled/a.conf"));
        assert!(glob_matches("**/sites-enabled/*", "x/sites-enabled/a.conf"));
        assert!(glob_matches("*.conf", "deep/dir/a.conf"));
        assert!(!glob_matches("*.conf", "deep/dir/a.txt"));
    }
}
