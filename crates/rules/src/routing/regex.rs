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

use regex::bytes::{Regex, RegexBuilder};

#[derive(Debug, Clone)]
pub struct NginxRegex {
    pub source: String,
    pub caseless: bool,
    compiled: Result<Regex, String>,
}

/// Why a regex cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotEvaluate {
    pub regex: String,
    pub reason: String,
}

impl NginxRegex {
    pub fn new(source: &str, caseless: bool) -> NginxRegex {
        let compiled = RegexBuilder::new(source)
            .unicode(false)
            .case_insensitive(caseless)
            .build()
            .map_err(|e| describe_error(&e));
        NginxRegex {
            source: source.to_string(),
            caseless,
            compiled,
        }
    }

    /// Whether the regex matches `subject` as PCRE would.
    pub fn is_match(&self, subject: &[u8]) -> Result<bool, CannotEvaluate> {
        let regex = self.compiled.as_ref().map_err(|reason| CannotEvaluate {
            regex: self.source.clone(),
            reason: reason.clone(),
        })?;
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
        self.compiled.as_ref().map_err(|reason| CannotEvaluate {
            regex: self.source.clone(),
            reason: reason.clone(),
        })
    }
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
        for pcre in [r"^/(?!admin)", r"(a)\1", r"^/x\Z", r"(?>a+)b"] {
            let r = NginxRegex::new(pcre, false);
            let err = r.is_match(b"/x").unwrap_err();
            assert!(err.reason.starts_with("not supported"), "{pcre}: {err:?}");
        }
        let r = NginxRegex::new(r"^/a$", false);
        assert!(r.is_match(b"/a\n").is_err());
    }
}
