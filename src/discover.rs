//! Which files a directory holds for linting (SPEC §2): `*.conf`,
//! `nginx.conf`, and every file under `sites-available`, `sites-enabled` or
//! `conf.d`. Hidden files and directories are skipped, files ignored by
//! `.gitignore` (or `.ignore`) too; symbolic links are not followed (no
//! loops).

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
    // Hidden entries are skipped and `.gitignore`/`.ignore` files honoured
    // (also outside a git repository); symbolic links are not followed.
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| io::Error::other(format!("{}: {e}", dir.display())))?;
        let path = entry.path();
        if entry.file_type().is_some_and(|t| t.is_file()) && is_config_file(path) {
            found.push(path.to_path_buf());
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
