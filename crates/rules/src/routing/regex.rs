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
    /// Shared: a regex is cloned into every level that holds it.
    pub source: Arc<str>,
    pub caseless: bool,
    /// Bytes every match holds (`/api/` at the start of `^/api/(v1|v2)/`):
    /// WS007 searches a server's regex locations once per probe, and a
    /// server may have thousands.
    literal: Arc<OnceLock<RequiredLiteral>>,
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
            source: Arc::from(source),
            caseless,
            literal: Arc::default(),
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

    /// The bytes every match starts with, when known (as written; compare
    /// them ignoring ASCII case when `caseless`): what a level's regex
    /// index files the regex under.
    pub fn start_literal(&self) -> Option<&[u8]> {
        match self.literal() {
            RequiredLiteral::Prefix(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Found on first use, like the compiled regex.
    fn literal(&self) -> &RequiredLiteral {
        self.literal.get_or_init(|| required_literal(&self.source))
    }

    /// Whether the regex matches `subject` as PCRE would.
    pub fn is_match(&self, subject: &[u8]) -> Result<bool, CannotEvaluate> {
        if !self.literal().admits(subject, self.caseless) {
            return Ok(false); // certain whatever else the pattern holds
        }
        let compiled = self.compiled();
        if let (Err(_), Some(relaxed)) = (&compiled.regex, &compiled.relaxed) {
            if !relaxed.is_match(subject) {
                return Ok(false); // not even the superset matches
            }
        }
        let regex = self.evaluable()?;
        if subject.last() == Some(&b'\n') && self.source.contains('$') {
            return Err(CannotEvaluate {
                regex: self.source.to_string(),
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
                regex: self.source.to_string(),
                reason: reason.clone(),
            })
    }
}

/// Literal bytes every match of a pattern contains: a subject without
/// them is no match, without running the regex.
#[derive(Debug)]
enum RequiredLiteral {
    /// Unknown: every subject is admitted.
    None,
    /// After a leading `^`: the match starts with these bytes.
    Prefix(Box<[u8]>),
    /// Somewhere in the match: a searcher for the bytes, built once.
    Inside(Box<memchr::memmem::Finder<'static>>),
}

impl RequiredLiteral {
    fn admits(&self, subject: &[u8], caseless: bool) -> bool {
        let same = |a: &[u8], needle: &[u8]| {
            if caseless {
                a.eq_ignore_ascii_case(needle)
            } else {
                a == needle
            }
        };
        match self {
            RequiredLiteral::None => true,
            RequiredLiteral::Prefix(prefix) => subject
                .get(..prefix.len())
                .is_some_and(|head| same(head, prefix)),
            RequiredLiteral::Inside(finder) if caseless => {
                let needle = finder.needle();
                subject.windows(needle.len()).any(|w| same(w, needle))
            }
            RequiredLiteral::Inside(finder) => finder.find(subject).is_some(),
        }
    }
}

/// The literal a match of `source` must contain: after a leading `^`, the
/// run of plain and escaped-punctuation bytes it starts with; otherwise the
/// longest such run outside groups and classes. A byte a quantifier makes
/// optional or repeatable ends its run without being counted. Nothing when
/// unsure: a `|` outside groups (another branch need not contain it), an
/// inline option such as `(?i)` or `(?x)` (it changes how the rest reads),
/// or an escape such as `\d` or `\x41` (the scan stops there).
fn required_literal(source: &str) -> RequiredLiteral {
    let bytes = source.as_bytes();
    if has_top_level_alternation(bytes) || has_inline_options(bytes) {
        return RequiredLiteral::None;
    }
    let anchored = bytes.first() == Some(&b'^');
    let mut run: Vec<u8> = Vec::new();
    let mut prefix: Option<Vec<u8>> = None;
    let mut longest: Vec<u8> = Vec::new();
    let mut end_run = |run: &mut Vec<u8>| {
        if anchored && prefix.is_none() {
            prefix = Some(run.clone());
        }
        if run.len() > longest.len() {
            longest = std::mem::take(run);
        }
        run.clear();
    };
    let mut i = usize::from(anchored);
    while i < bytes.len() {
        match bytes[i] {
            b'?' | b'*' | b'+' => {
                run.pop();
                end_run(&mut run);
                i += 1;
            }
            b'{' => {
                run.pop();
                end_run(&mut run);
                i = memchr::memchr(b'}', &bytes[i..]).map_or(bytes.len(), |end| i + end + 1);
            }
            b'\\' => match bytes.get(i + 1) {
                Some(&next) if next.is_ascii_punctuation() => {
                    run.push(next);
                    i += 2;
                }
                _ => break,
            },
            b'(' => {
                end_run(&mut run);
                i = skip_group(bytes, i);
            }
            b'[' => {
                end_run(&mut run);
                i = skip_class(bytes, i) + 1;
            }
            b')' | b'|' => break,
            b'.' | b'^' | b'$' | b']' | b'}' => {
                end_run(&mut run);
                i += 1;
            }
            c => {
                run.push(c);
                i += 1;
            }
        }
    }
    end_run(&mut run);
    match prefix {
        Some(prefix) if !prefix.is_empty() => RequiredLiteral::Prefix(prefix.into()),
        _ if longest.is_empty() => RequiredLiteral::None,
        _ => RequiredLiteral::Inside(Box::new(memchr::memmem::Finder::new(&longest).into_owned())),
    }
}

/// The index of the `]` closing the class opened at `open` (or the end).
fn skip_class(bytes: &[u8], open: usize) -> usize {
    // `]` right after `[` or `[^` is a member.
    let mut i = open + 1;
    if bytes.get(i) == Some(&b'^') {
        i += 1;
    }
    if bytes.get(i) == Some(&b']') {
        i += 1;
    }
    while i < bytes.len() && bytes[i] != b']' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i
}

/// The index after the `)` closing the group opened at `open` (or the end).
fn skip_group(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => i = skip_class(bytes, i),
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Whether the pattern sets options inline: `(?i)`, `(?x:...)`, `(?-s)`.
fn has_inline_options(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"(?").any(|i| {
        matches!(
            bytes.get(i + 2),
            Some(b'i' | b'm' | b's' | b'x' | b'J' | b'U' | b'n' | b'-' | b'^')
        )
    })
}

/// Whether `|` appears outside every group and character class.
fn has_top_level_alternation(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'\\' => i + 2,
            b'[' => skip_class(bytes, i) + 1,
            b'(' => skip_group(bytes, i),
            b'|' => return true,
            _ => i + 1,
        };
    }
    false
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
    fn required_literals_are_what_every_match_holds() {
        let literal = |p: &str| {
            let (bytes, at_start) = match required_literal(p) {
                RequiredLiteral::None => (Vec::new(), false),
                RequiredLiteral::Prefix(bytes) => (bytes.to_vec(), true),
                RequiredLiteral::Inside(finder) => (finder.needle().to_vec(), false),
            };
            (String::from_utf8(bytes).unwrap(), at_start)
        };
        let start = |s: &str| (s.to_string(), true);
        let inside = |s: &str| (s.to_string(), false);
        assert_eq!(literal(r"^/api/(v1|v2)/"), start("/api/"));
        assert_eq!(literal(r"^/ws/chat$"), start("/ws/chat"));
        assert_eq!(literal(r"^\/static\/.*\.css$"), start("/static/"));
        assert_eq!(literal(r"^/ab?c"), start("/a"), "b is optional");
        assert_eq!(
            literal(r"^/a\.?x"),
            start("/a"),
            "the escaped dot is optional"
        );
        assert_eq!(literal(r"^/ab{2}"), start("/a"));
        assert_eq!(literal(r"^/a[|]x"), start("/a"), "`|` inside a class");
        assert_eq!(literal(r"^/a[]|]x"), start("/a"), "`]` first in a class");
        assert_eq!(literal(r"^/a\|b"), start("/a|b"), "an escaped `|`");
        assert_eq!(literal(r"\.php$"), inside(".php"));
        assert_eq!(literal(r"/r12/x$"), inside("/r12/x"));
        assert_eq!(literal(r"^(/a|/b)/static/"), inside("/static/"));
        assert_eq!(literal(r"/ab*cd"), inside("/a"), "the first of two as long");
        assert_eq!(literal(r"^.well-known/x"), inside("well-known/x"));
        assert_eq!(literal(r"(x)?/chat(y)+/ws"), inside("/chat"));
        for none in [
            r"^/a|/b",     // the other branch starts otherwise
            r"^/a(x)|/b",  // alternation after a group
            r"^/a[|]x|/b", // `|` in a class does not count, the last one does
            r"(?i)/api",   // caseless from here on
            r"^/a(?i)b",   // any inline option, even after the literal
            r"/a(?x) b c", // extended: spaces are not literal
            r"\d+",        // an escape that is not a byte
            r"^\x2fapi",   // stops at the escape, before anything
        ] {
            assert_eq!(literal(none).0, "", "{none}");
        }
    }

    /// The literal check never changes an answer: the same subjects give
    /// the regex crate's own result, case-sensitive and caseless.
    #[test]
    fn the_literal_check_agrees_with_the_regex() {
        let patterns = [
            r"^/api/(v1|v2)/",
            r"^/ws/chat$",
            r"^\/static\/.*\.css$",
            r"^/ab?c",
            r"^/a\.?x",
            r"^/a[|]x|/b",
            r"^/a\|b",
            r"^/WS/",
            r"\.php$",
            r"/r12/x$",
            r"^(/a|/b)/static/",
            r"(?i)/API",
            r"/ab*cd",
            r"(x)?/chat(y)+/ws",
        ];
        let subjects: [&[u8]; 21] = [
            b"/api/v1/x",
            b"/API/v2/",
            b"/api/v3/",
            b"/ws/chat",
            b"/WS/CHAT",
            b"/static/a.css",
            b"/ac",
            b"/abc",
            b"/ax",
            b"/a.x",
            b"/b",
            b"/a|b",
            b"/ws/",
            b"/x.php",
            b"/R12/X",
            b"/q/r12/x",
            b"/b/static/",
            b"/a/STATIC/",
            b"/acd",
            b"/abbbcd",
            b"x/chatyy/ws",
        ];
        for pattern in patterns {
            for caseless in [false, true] {
                let ours = NginxRegex::new(pattern, caseless);
                let reference = RegexBuilder::new(pattern)
                    .unicode(false)
                    .case_insensitive(caseless)
                    .build()
                    .unwrap();
                for subject in subjects {
                    assert_eq!(
                        ours.is_match(subject),
                        Ok(reference.is_match(subject)),
                        "{pattern} caseless={caseless} on {}",
                        String::from_utf8_lossy(subject)
                    );
                }
            }
        }
    }

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
