//! `--fix`, `--unsafe-fixes` and `--diff` (SPEC §4): fixes are applied
//! pass after pass to the text in memory (a fix overlapping one already
//! applied waits for the next pass) until nothing changes; every pass must
//! re-parse; then the files are written atomically, or the diff is printed.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use nginx_wslint_autofix::{apply, unified_diff, Applicability, Fix};
use nginx_wslint_parser::SourceFile;

use crate::cli::CheckArgs;
use crate::lint::{self, Outcome};

/// Passes before giving up (a fix that keeps changing its own output is a
/// bug; the text so far is still valid).
const MAX_PASSES: usize = 10;

pub struct Fixed {
    /// The lint of the fixed text.
    pub outcome: Outcome,
    /// Changed files: path as shown, canonical path, original and new text.
    pub changes: Vec<Change>,
}

pub struct Change {
    pub shown: PathBuf,
    pub canonical: PathBuf,
    pub original: Vec<u8>,
    pub fixed: Vec<u8>,
}

fn applicable(fix: &Fix, unsafe_fixes: bool) -> bool {
    fix.applicability == Applicability::Safe || unsafe_fixes
}

/// Applies fixes in memory until nothing changes.
pub fn fix_in_memory(args: &CheckArgs) -> Result<Fixed, String> {
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err("--fix does not write standard input (or the files of an `nginx -T` dump); use --diff to see the fixes".into());
    }
    let mut overlay: HashMap<PathBuf, Vec<u8>> = HashMap::new();
    let mut originals: HashMap<PathBuf, (PathBuf, Vec<u8>)> = HashMap::new();
    for pass in 0.. {
        let outcome = lint::run(args, &overlay)?;
        let fixes: Vec<&Fix> = outcome
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| applicable(f, args.unsafe_fixes))
            .collect();
        if fixes.is_empty() || pass == MAX_PASSES {
            let mut changes: Vec<Change> = originals
                .into_iter()
                .filter_map(|(canonical, (shown, original))| {
                    let fixed = overlay.remove(&canonical)?;
                    (fixed != original).then_some(Change {
                        shown,
                        canonical,
                        original,
                        fixed,
                    })
                })
                .collect();
            changes.sort_by(|a, b| a.shown.cmp(&b.shown));
            return Ok(Fixed { outcome, changes });
        }
        let sources: Vec<&[u8]> = outcome.config.files.iter().map(|f| f.source()).collect();
        let (texts, applied) = apply(&sources, &fixes);
        if applied == 0 {
            continue;
        }
        for (i, text) in texts.into_iter().enumerate() {
            let Some(text) = text else { continue };
            let file = &outcome.config.files[i];
            let Ok(canonical) = std::fs::canonicalize(&file.path) else {
                continue; // standard input is not fixed
            };
            // Nothing is written unless the result re-parses.
            let reparsed = SourceFile::parse_with_mode(&file.path, text.clone(), file.mode);
            if !reparsed.errors.is_empty() {
                return Err(format!(
                    "a fix would have made {} unparsable ({}); nothing was written. This is a bug in nginx-wslint: please report it",
                    file.path.display(),
                    reparsed.errors[0].message
                ));
            }
            originals
                .entry(canonical.clone())
                .or_insert_with(|| (file.path.clone(), file.source().to_vec()));
            overlay.insert(canonical, text);
        }
    }
    unreachable!("the loop returns")
}

/// Prints the unified diff of every change; returns whether there was any.
pub fn print_diff(out: &mut dyn Write, changes: &[Change]) -> std::io::Result<bool> {
    for change in changes {
        let path = change.shown.display().to_string();
        out.write_all(unified_diff(&path, &change.original, &change.fixed).as_bytes())?;
    }
    Ok(!changes.is_empty())
}

/// Writes every change atomically: a temporary file in the same directory,
/// with the original's permissions, renamed over it. A symbolic link is
/// written through to its target.
pub fn write_changes(changes: &[Change]) -> Result<(), String> {
    for change in changes {
        write_atomically(&change.canonical, &change.fixed).map_err(|e| {
            format!(
                "cannot write {}: {e}; the file is unchanged",
                change.shown.display()
            )
        })?;
    }
    Ok(())
}

fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let metadata = std::fs::metadata(path)?;
    if metadata.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only",
        ));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.nginx-wslint-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::set_permissions(&temporary, metadata.permissions())?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
