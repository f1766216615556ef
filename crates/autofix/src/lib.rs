//! Fixes as byte-range edits on the original text (SPEC §4): everything
//! outside an edit stays byte-identical (comments, blank lines, indentation,
//! CRLF, quotes).
//!
//! * [`Edit`]: replace `start..end` of one file with `content` (an insertion
//!   when the range is empty);
//! * [`Fix`]: the edits of one diagnostic, with its applicability;
//! * [`apply`]: the fixes of one pass, in order of position, skipping a fix
//!   that overlaps one already applied (it gets its turn in the next pass,
//!   against the new text);
//! * [`unified_diff`]: what `--diff` prints, via `similar`.

use serde::Serialize;

/// Whether a fix is applied by `--fix` alone (safe) or needs
/// `--unsafe-fixes`, because it changes behaviour beyond the diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Unsafe,
    Safe,
}

/// Replace `start..end` (byte offsets in the original text of `file`) with
/// `content`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    /// Index of the file in the caller's file list.
    pub file: u32,
    pub start: u32,
    pub end: u32,
    pub content: String,
}

impl Edit {
    pub fn insertion(file: u32, at: u32, content: impl Into<String>) -> Edit {
        Edit {
            file,
            start: at,
            end: at,
            content: content.into(),
        }
    }

    pub fn replacement(file: u32, start: u32, end: u32, content: impl Into<String>) -> Edit {
        Edit {
            file,
            start,
            end,
            content: content.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, as help text: "Add `proxy_http_version 1.1;`".
    pub title: String,
    /// Sorted by (file, start, end).
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        applicability: Applicability,
        title: impl Into<String>,
        mut edits: Vec<Edit>,
    ) -> Fix {
        edits.sort();
        edits.dedup();
        Fix {
            applicability,
            title: title.into(),
            edits,
        }
    }

    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix::new(Applicability::Safe, title, edits)
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix::new(Applicability::Unsafe, title, edits)
    }
}

/// Applies as many of `fixes` as do not overlap, in order of their first
/// edit; returns the new contents of each touched file (`sources[i]` is file
/// `i`) and how many fixes were applied. An edit identical to one already
/// applied is skipped rather than applied twice (two fixes inserting the
/// same `map`).
pub fn apply(sources: &[&[u8]], fixes: &[&Fix]) -> (Vec<Option<Vec<u8>>>, usize) {
    let mut order: Vec<&Fix> = fixes
        .iter()
        .copied()
        .filter(|f| !f.edits.is_empty())
        .collect();
    order.sort_by_key(|f| (f.edits[0].file, f.edits[0].start));
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    'fixes: for fix in order {
        let mut fresh = Vec::new();
        for edit in &fix.edits {
            if (edit.file as usize) >= sources.len()
                || edit.end as usize > sources[edit.file as usize].len()
                || edit.start > edit.end
            {
                continue 'fixes;
            }
            if accepted.contains(&edit) {
                continue;
            }
            let overlaps = accepted
                .iter()
                .chain(fresh.iter())
                .any(|a| conflicts(a, edit));
            if overlaps {
                continue 'fixes;
            }
            fresh.push(edit);
        }
        accepted.extend(fresh);
        applied += 1;
    }
    accepted.sort();
    let mut out: Vec<Option<Vec<u8>>> = vec![None; sources.len()];
    for (file, source) in sources.iter().enumerate() {
        let edits: Vec<&&Edit> = accepted
            .iter()
            .filter(|e| e.file as usize == file)
            .collect();
        if edits.is_empty() {
            continue;
        }
        let mut text = Vec::with_capacity(source.len() + 256);
        let mut pos = 0usize;
        for edit in edits {
            text.extend_from_slice(&source[pos..edit.start as usize]);
            text.extend_from_slice(edit.content.as_bytes());
            pos = edit.end as usize;
        }
        text.extend_from_slice(&source[pos..]);
        out[file] = Some(text);
    }
    (out, applied)
}

/// Whether two edits of one pass cannot both apply: their ranges
/// intersect, or an insertion sits where another edit starts (their order
/// would be ambiguous).
fn conflicts(a: &Edit, b: &Edit) -> bool {
    a.file == b.file
        && ((a.start < b.end && b.start < a.end)
            || (a.start == b.start && (a.start == a.end || b.start == b.end)))
}

/// A unified diff with `---`/`+++` headers, as `--diff` prints it (empty when
/// the texts are equal).
pub fn unified_diff(path: &str, old: &[u8], new: &[u8]) -> String {
    if old == new {
        return String::new();
    }
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    let mut out = String::new();
    out.push_str(&format!("--- {path}\n+++ {path}\n"));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&hunk.to_string());
        if !out.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass() {
        let src = b"abcdef";
        let a = Fix::safe("a", vec![Edit::replacement(0, 1, 3, "X")]);
        let b = Fix::safe("b", vec![Edit::replacement(0, 2, 4, "Y")]);
        let c = Fix::safe("c", vec![Edit::insertion(0, 6, "!")]);
        let (out, n) = apply(&[src], &[&b, &a, &c]);
        assert_eq!(n, 2);
        assert_eq!(out[0].as_deref(), Some(b"aXdef!".as_slice()));
    }

    #[test]
    fn shared_edits_are_applied_once() {
        let map = Edit::insertion(0, 0, "map;\n");
        let a = Fix::safe("a", vec![map.clone(), Edit::insertion(0, 3, "1")]);
        let b = Fix::safe("b", vec![map, Edit::insertion(0, 6, "2")]);
        let (out, n) = apply(&[b"abcdef"], &[&a, &b]);
        assert_eq!(n, 2);
        assert_eq!(out[0].as_deref(), Some(b"map;\nabc1def2".as_slice()));
    }

    #[test]
    fn bytes_outside_edits_stay_identical() {
        let src = b"a;\r\n# c\xff\r\nb;\r\n";
        let fix = Fix::safe("x", vec![Edit::insertion(0, 2, "\r\nnew;")]);
        let (out, _) = apply(&[src], &[&fix]);
        assert_eq!(
            out[0].as_deref(),
            Some(b"a;\r\nnew;\r\n# c\xff\r\nb;\r\n".as_slice())
        );
    }

    #[test]
    fn diffs_have_headers_and_hunks() {
        let d = unified_diff("site.conf", b"a\nb\nc\n", b"a\nb2\nc\n");
        assert_eq!(
            d,
            "--- site.conf\n+++ site.conf\n@@ -1,3 +1,3 @@\n a\n-b\n+b2\n c\n"
        );
        assert_eq!(unified_diff("x", b"same", b"same"), "");
    }
}
