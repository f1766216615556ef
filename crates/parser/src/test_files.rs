//! Files for the unit tests that compare a parse with a plain reading: every
//! file under `fixtures/` and in the real-world corpus.

use std::path::{Path, PathBuf};

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every fixture and corpus file (`$NGINX_WSLINT_CORPUS`, else
/// `../shared/corpus/real` beside the repository), and whether the corpus
/// was found (a notice says when it was not).
pub(crate) fn fixture_and_corpus_files() -> (Vec<PathBuf>, bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = std::env::var_os("NGINX_WSLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus/real"));
    let found = corpus.is_dir();
    if !found {
        eprintln!("notice: no corpus at {}; fixtures only", corpus.display());
    }
    let mut paths = Vec::new();
    files_under(&root.join("fixtures"), &mut paths);
    files_under(&corpus, &mut paths);
    (paths, found)
}
