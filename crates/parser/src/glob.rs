//! File name patterns as nginx's `include` expands them: `glob(3)` with no
//! flags (`ngx_open_glob`). `*`, `?` and `[...]` match within one path
//! component, a leading `.` must be matched literally (so `*` skips
//! dotfiles), a backslash quotes the next character, results are sorted.

use std::path::{Component, Path, PathBuf};

/// Whether a pattern has glob magic (nginx checks for `*`, `?` or `[`).
pub fn has_magic(pattern: &[u8]) -> bool {
    pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// Expands `pattern` (an absolute or relative path) to the existing paths it
/// matches, sorted bytewise like glob(3) in the C locale.
pub fn expand(pattern: &Path) -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = vec![PathBuf::new()];
    // Whether the candidates are names read from their directories (the
    // last component was a pattern): they exist, as glob(3) takes them.
    let mut listed = false;
    let components: Vec<Component> = pattern.components().collect();
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let name = component.as_os_str();
        let bytes = name.as_encoded_bytes();
        let is_pattern = matches!(component, Component::Normal(_)) && has_magic(bytes);
        listed = is_pattern;
        let mut next = Vec::new();
        for base in &candidates {
            if !is_pattern {
                next.push(base.join(name));
                continue;
            }
            let dir = if base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                base.as_path()
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue; // glob(3) without GLOB_ERR skips unreadable directories
            };
            for entry in entries.flatten() {
                let entry_name = entry.file_name();
                if !matches(bytes, entry_name.as_encoded_bytes()) {
                    continue;
                }
                let path = base.join(&entry_name);
                if !last && !path.is_dir() {
                    continue;
                }
                next.push(path);
            }
        }
        candidates = next;
        if candidates.is_empty() {
            break;
        }
    }
    // A path ending in a plain name may not exist: glob(3) looks it up.
    candidates
        .retain(|p| !p.as_os_str().is_empty() && (listed || std::fs::symlink_metadata(p).is_ok()));
    candidates.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    candidates
}

/// The paths among `candidates` that `pattern` matches, component by
/// component, sorted (for files that are not on disk).
pub fn filter<'a>(pattern: &Path, candidates: impl Iterator<Item = &'a PathBuf>) -> Vec<PathBuf> {
    let parts: Vec<_> = pattern.components().collect();
    let mut out: Vec<PathBuf> = candidates
        .filter(|c| {
            let names: Vec<_> = c.components().collect();
            names.len() == parts.len()
                && parts.iter().zip(&names).all(|(p, n)| {
                    let (p, n) = (
                        p.as_os_str().as_encoded_bytes(),
                        n.as_os_str().as_encoded_bytes(),
                    );
                    if has_magic(p) {
                        matches(p, n)
                    } else {
                        p == n
                    }
                })
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    out
}

/// fnmatch(3) for one path component, with the leading-period rule.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        let quoted_dot = pattern.starts_with(b"\\.");
        if !quoted_dot {
            return false;
        }
    }
    // Iterative matcher with one backtrack point for the last `*`.
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star = Some((p + 1, n));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next_p)) = match_bracket(pattern, p, name[n]) {
                        if matched {
                            p = next_p;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        // An unclosed `[` matches itself.
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pattern.len() => {
                    if pattern[p + 1] == name[n] {
                        p += 2;
                        n += 1;
                        continue;
                    }
                }
                c => {
                    if c == name[n] {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((star_p, star_n)) => {
                p = star_p;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            None => return false,
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// Matches `c` against the bracket expression opening at `pattern[open]`.
/// Returns whether it matched and where the pattern continues, or `None` if
/// the bracket is not closed.
fn match_bracket(pattern: &[u8], open: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = open + 1;
    let negate = matches!(pattern.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *pattern.get(i)?;
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let (lo, next) = if b == b'\\' {
            (*pattern.get(i + 1)?, i + 2)
        } else {
            (b, i + 1)
        };
        if pattern.get(next) == Some(&b'-') && pattern.get(next + 1).is_some_and(|&h| h != b']') {
            let hi = pattern[next + 1];
            if lo <= c && c <= hi {
                matched = true;
            }
            i = next + 2;
        } else {
            if lo == c {
                matched = true;
            }
            i = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_rules() {
        assert!(matches(b"*.conf", b"a.conf"));
        assert!(!matches(b"*.conf", b".hidden.conf"));
        assert!(matches(b".*.conf", b".hidden.conf"));
        assert!(!matches(b"?.conf", b".x.conf"));
        assert!(matches(b"*", b"site~"));
        assert!(matches(b"a?c", b"abc"));
        assert!(matches(b"[ab]*", b"beta"));
        assert!(!matches(b"[!ab]*", b"beta"));
        assert!(matches(b"[a-c]x", b"bx"));
        assert!(matches(b"*a*b", b"xxaxxb"));
        assert!(!matches(b"*a*b", b"xxaxxbc"));
        assert!(matches(b"\\*", b"*"));
        assert!(!matches(b"\\*", b"a"));
        assert!(matches(b"[]]", b"]"));
        assert!(matches(b"x[", b"x["));
    }

    #[test]
    fn expands_sorted_and_skips_dotfiles() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.conf", "a.conf", ".hidden.conf", "c.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/x.conf"), "").unwrap();
        let found = expand(&dir.path().join("*.conf"));
        let names: Vec<_> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["a.conf", "b.conf"]);
        let nested = expand(&dir.path().join("*/*.conf"));
        assert_eq!(nested, vec![dir.path().join("sub/x.conf")]);
        assert!(expand(&dir.path().join("none/*.conf")).is_empty());
    }
}
