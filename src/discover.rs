//! Which files a directory holds for linting (SPEC §2): `*.conf`,
//! `nginx.conf`, and every file under `sites-available`, `sites-enabled` or
//! `conf.d`. Hidden files and directories are skipped; symbolic links to
//! directories are not followed (no loops).

use std::io;
use std::path::{Path, PathBuf};

/// Expands the given paths: files as they are, directories to the nginx
/// configuration files inside them, sorted. A path that does not exist is an
/// error.
pub fn discover(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {}", path.display(), e)))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if dir.as_path() != dir.as_path() => return Err(e),
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("{}: {}", dir.display(), e),
                ))
            }
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if name.as_encoded_bytes().starts_with(b".") {
                continue;
            }
            let path = entry.path();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                stack.push(path);
            } else if is_config_file(&path) && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                found.push(path);
            }
        }
    }
    Ok(())
}

/// Whether a file found in a directory walk is an nginx configuration.
pub fn is_config_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.ends_with(".conf") || name == "nginx.conf" {
        return true;
    }
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    matches!(
        parent.as_ref(),
        "sites-available" | "sites-enabled" | "conf.d"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_nginx_file_names() {
        assert!(is_config_file(Path::new("a/b.conf")));
        assert!(is_config_file(Path::new(
            "etc/nginx/sites-enabled/example.com"
        )));
        assert!(is_config_file(Path::new("conf.d/site")));
        assert!(!is_config_file(Path::new("README.md")));
        assert!(!is_config_file(Path::new("snippets/proxy")));
    }
}
