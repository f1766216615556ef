//! nginx's PCRE regexes, evaluated with the `regex` crate where that gives
//! the same answer, and refused otherwise ("cannot evaluate"), never guessed.
//!
//! nginx compiles location and server-name regexes without PCRE's UTF mode
//! (`ngx_regex_compile`), so they match bytes: `.` is one byte, `\w`, `\d`,
//! `\s` and case-insensitivity are ASCII. `regex::bytes` with Unicode off
//! matches the same way. Constructs the `regex` crate does not support
//! (look-around, back-references, atomic groups, `\Z`, ...) fail to compile
//! and are reported. One construct compiles but differs: PCRE's `$` also
//! matches before a final newline, so a subject ending in `\n` is refused.
//!
//! For a regex that cannot be compiled, a *relaxed* regex that matches a
//! superset (look-arounds removed, atomic groups and possessive quantifiers
//! made ordinary, back-references widened to `.*`) still answers "no match"
//! with certainty when it does not match; only a possible match is refused.

use crate::fast_hash::FastMap;
use std::sync::{Arc, OnceLock};

use regex::bytes::{Regex, RegexBuilder};

/// A location or server-name regex. It is compiled on its first use, not
/// when the configuration is read: most are never evaluated by a lint run.
/// Clones share the compiled regex (and its match caches).
#[derive(Debug, Clone)]
pub struct NginxRegex {
    pub source: String,
    pub caseless: bool,
    compiled: Arc<OnceLock<Compiled>>,
}

#[derive(Debug)]
struct Compiled {
    regex: Result<Regex, String>,
    /// A regex matching a superset, when `regex` failed.
    relaxed: Option<Regex>,
}

/// Regexes seen so far, by source and caselessness: generated
/// configurations repeat the same few regexes in thousands of servers, and
/// compiling one costs far more than matching it.
#[derive(Debug, Default)]
pub struct RegexCache {
    /// By source: case-sensitive, caseless.
    seen: [FastMap<String, NginxRegex>; 2],
}

/// Why a regex cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotEvaluate {
    pub regex: String,
    pub reason: String,
}

impl NginxRegex {
    pub fn new(source: &str, caseless: bool) -> NginxRegex {
        NginxRegex {
            source: source.to_string(),
            caseless,
            compiled: Arc::default(),
        }
    }

    /// The regex from `cache`, sharing its compilation with every other use
    /// of the same source.
    pub fn cached(source: &str, caseless: bool, cache: &mut RegexCache) -> NginxRegex {
        let seen = &mut cache.seen[usize::from(caseless)];
        if let Some(regex) = seen.get(source) {
            return regex.clone();
        }
        let regex = NginxRegex::new(source, caseless);
        seen.insert(source.to_string(), regex.clone());
        regex
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let build = |pattern: &str| {
                RegexBuilder::new(pattern)
                    .unicode(false)
                    .case_insensitive(self.caseless)
                    .build()
            };
            let regex = build(&self.source).map_err(|e| describe_error(&e));
            let relaxed = match &regex {
                Ok(_) => None,
                Err(_) => relax(&self.source).and_then(|r| build(&r).ok()),
            };
            Compiled { regex, relaxed }
        })
    }

    /// Whether the regex matches `subject` as PCRE would.
    pub fn is_match(&self, subject: &[u8]) -> Result<bool, CannotEvaluate> {
        let compiled = self.compiled();
        if let (Err(_), Some(relaxed)) = (&compiled.regex, &compiled.relaxed) {
            if !relaxed.is_match(subject) {
                return Ok(false); // not even the superset matches
            }
        }
        let regex = self.evaluable()?;
        if subject.last() == Some(&b'\n') && self.source.contains('$') {
            return Err(CannotEvaluate {
                regex: self.source.clone(),
                reason: "PCRE's `$` also matches before a final newline".into(),
            });
        }
        Ok(regex.is_match(subject))
    }

    /// Whether the regex can be evaluated at all.
    pub fn evaluable(&self) -> Result<&Regex, CannotEvaluate> {
        self.compiled()
            .regex
            .as_ref()
            .map_err(|reason| CannotEvaluate {
                regex: self.source.clone(),
                reason: reason.clone(),
            })
    }
}

/// A pattern matching a superset of what the PCRE pattern matches, using
/// only constructs the `regex` crate has; `None` when unsure.
fn relax(source: &str) -> Option<String> {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let mut in_class = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' {
            let next = *bytes.get(i + 1)?;
            if !in_class && next.is_ascii_digit() && next != b'0' {
                // A back-reference: whatever text it repeats.
                out.push_str("(?s:.*)");
                i += 2;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                continue;
            }
            out.push_str(&source[i..i + 1 + utf8_len(next)]);
            i += 1 + utf8_len(next);
            continue;
        }
        if in_class {
            if c == b']' {
                in_class = false;
            }
        } else if c == b'[' {
            in_class = true;
            // `[]...]` and `[^]...]`: a leading `]` is literal.
            let skip = if source[i + 1..].starts_with("^]") {
                2
            } else if source[i + 1..].starts_with(']') {
                1
            } else {
                0
            };
            out.push_str(&source[i..i + 1 + skip]);
            i += 1 + skip;
            continue;
        } else if c == b'(' {
            let rest = &source[i..];
            if ["(?=", "(?!", "(?<=", "(?<!"]
                .iter()
                .any(|p| rest.starts_with(p))
            {
                i = group_end(bytes, i)?; // drop the assertion
                continue;
            }
            if rest.starts_with("(?>") {
                out.push_str("(?:");
                i += 3;
                continue;
            }
        } else if c == b'+'
            && i > 0
            && matches!(bytes[i - 1], b'*' | b'+' | b'?' | b'}')
            && !out.ends_with('\\')
        {
            i += 1; // possessive quantifier
            continue;
        }
        let len = utf8_len(c);
        out.push_str(&source[i..i + len]);
        i += len;
    }
    Some(out)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// The index after the group opening at `open`, skipping escapes and
/// classes.
fn group_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    let mut in_class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'(' if !in_class => depth += 1,
            b')' if !in_class => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn describe_error(error: &regex::Error) -> String {
    let text = error.to_string();
    // The last line of the regex crate's message names the problem.
    let reason = text
        .lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_string())
        .unwrap_or(text);
    format!("not supported outside PCRE: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_bytes_like_pcre_without_utf() {
        let r = NginxRegex::new(r"^/a.b$", false);
        assert_eq!(
            r.is_match("/a\u{e9}b".as_bytes()),
            Ok(false),
            "é is two bytes"
        );
        assert_eq!(r.is_match(b"/axb"), Ok(true));
        let r = NginxRegex::new(r"\.(JS|css)$", true);
        assert_eq!(r.is_match(b"/app.js"), Ok(true));
        let r = NginxRegex::new(r"^/(?<name>[^/]+)/ws$", false);
        assert_eq!(r.is_match(b"/x/ws"), Ok(true));
    }

    #[test]
    fn refuses_what_it_cannot_evaluate() {
        for (pcre, subject) in [
            (r"^/(?!admin)", "/x"),
            (r"(a)\1", "/aa"),
            (r"^/x\Z", "/x"),
            (r"(?>a+)b", "/aab"),
        ] {
            let r = NginxRegex::new(pcre, false);
            let err = r.is_match(subject.as_bytes()).unwrap_err();
            assert!(err.reason.starts_with("not supported"), "{pcre}: {err:?}");
        }
        let r = NginxRegex::new(r"^/a$", false);
        assert!(r.is_match(b"/a\n").is_err());
    }

    #[test]
    fn a_relaxed_superset_still_says_no_for_sure() {
        let r = NginxRegex::new(r"^/(?!admin)legacy/", false);
        assert_eq!(r.is_match(b"/api/x"), Ok(false));
        assert!(
            r.is_match(b"/legacy/x").is_err(),
            "a possible match is not guessed"
        );
        let r = NginxRegex::new(r"^/(a+)\1/x", false);
        assert_eq!(r.is_match(b"/b/x"), Ok(false));
        assert!(r.is_match(b"/aa/x").is_err());
        let r = NginxRegex::new(r"^/(?>ab|a)c", false);
        assert_eq!(r.is_match(b"/zz"), Ok(false));
        let r = NginxRegex::new(r"^/a*+b", false);
        assert_eq!(r.is_match(b"/c"), Ok(false));
        let r = NginxRegex::new(r"^/[(?!]x(?<=x)", false);
        assert_eq!(r.is_match(b"/y"), Ok(false));
    }
}
