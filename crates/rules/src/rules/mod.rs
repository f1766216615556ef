//! The rules. One file per rule; the doc comment on its `RULE` constant is
//! the rule's documentation (`nginx-wslint rule CODE`, `docs/rules/`, the
//! JSON `url`).

mod fix;
pub mod non_rule;
mod websocket;

mod ws001_missing_upgrade_header;
mod ws002_missing_connection_header;
mod ws003_missing_http_version;
mod ws004_undefined_variable;
mod ws005_hardcoded_connection_upgrade;
mod ws006_short_proxy_timeout;
mod ws007_shadowed_location;
mod ws008_static_upstream_dns;
mod ws009_dropped_inherited_headers;
mod ws010_swapped_upgrade_headers;
mod ws011_cors_on_websocket;
mod ws012_missing_resolver;
mod ws013_variable_proxy_pass_uri;
mod ws014_zero_proxy_timeout;
mod ws015_websocket_unsupported_pass;
mod ws016_websocket_scheme_in_proxy_pass;
mod ws017_forwarded_connection_header;

use std::collections::HashSet;

use nginx_wslint_parser::Span;

pub use websocket::{discards, missing_upgrade_header, upgrade_headers, Intent, LocationInfo};

use crate::diagnostic::{Code, Diagnostic};
use crate::fast_hash::FastSet;
use crate::model::variables::Variables;
use crate::model::version::Version;
use crate::model::{DirRef, Model};

/// Whether a rule offers a fix (SPEC §1 and §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    /// A safe fix, always offered.
    Always,
    /// A fix in some situations only (described in the rule's doc).
    Sometimes,
    /// A fix that changes behaviour beyond the diagnostic: only with
    /// `--unsafe-fixes`.
    Unsafe,
    None,
}

impl FixAvailability {
    pub fn describe(self) -> &'static str {
        match self {
            FixAvailability::Always => "Fix is always available.",
            FixAvailability::Sometimes => "Fix is sometimes available.",
            FixAvailability::Unsafe => "Fix is available as an unsafe fix (--unsafe-fixes).",
            FixAvailability::None => "Fix is not available.",
        }
    }
}

pub struct Rule {
    pub code: Code,
    pub fix: FixAvailability,
    /// The documentation, Markdown, from the rule's doc comment.
    pub doc: &'static str,
    check: fn(&mut Checker),
}

impl Rule {
    /// The first paragraph of the "What it does" section.
    pub fn summary(&self) -> String {
        let doc = self.doc();
        doc.lines()
            .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The doc comment with the one leading space of each line removed.
    pub fn doc(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Declares a rule: its doc comment becomes [`Rule::doc`].
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub const RULE = ($code:literal, $name:literal, $severity:ident, $fix:ident, $check:path);
    ) => {
        $(#[doc = $doc])*
        pub const RULE: $crate::rules::Rule = $crate::rules::Rule {
            code: $crate::diagnostic::Code {
                code: $code,
                name: $name,
                severity: $crate::diagnostic::Severity::$severity,
            },
            fix: $crate::rules::FixAvailability::$fix,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &ws001_missing_upgrade_header::RULE,
    &ws002_missing_connection_header::RULE,
    &ws003_missing_http_version::RULE,
    &ws004_undefined_variable::RULE,
    &ws005_hardcoded_connection_upgrade::RULE,
    &ws006_short_proxy_timeout::RULE,
    &ws007_shadowed_location::RULE,
    &ws008_static_upstream_dns::RULE,
    &ws009_dropped_inherited_headers::RULE,
    &ws010_swapped_upgrade_headers::RULE,
    &ws011_cors_on_websocket::RULE,
    &ws012_missing_resolver::RULE,
    &ws013_variable_proxy_pass_uri::RULE,
    &ws014_zero_proxy_timeout::RULE,
    &ws015_websocket_unsupported_pass::RULE,
    &ws016_websocket_scheme_in_proxy_pass::RULE,
    &ws017_forwarded_connection_header::RULE,
];

/// The non-rule diagnostics, documented like rules.
pub static NON_RULES: &[&Rule] = &[
    &non_rule::e001::RULE,
    &non_rule::e002::RULE,
    &non_rule::e003::RULE,
    &non_rule::e004::RULE,
];

/// A rule or non-rule code by code (`WS001`, any case) or name
/// (`missing-upgrade-header`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    NON_RULES
        .iter()
        .chain(ALL.iter())
        .copied()
        .find(|r| r.code.code.eq_ignore_ascii_case(code_or_name) || r.code.name == code_or_name)
}

/// What the rules need to know beyond the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub target: Version,
    /// WS006's minimum for WebSocket read/send timeouts, in milliseconds.
    pub min_timeout_ms: u64,
    /// Extra regexes whose match makes a location a WebSocket location.
    pub websocket_paths: Vec<regex::Regex>,
    /// The DNS resolver to suggest (and, with fixes, to insert): `--resolver`
    /// or `resolver` in `.nginx-wslint.toml`.
    pub resolver: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            target: Version::DEFAULT_TARGET,
            min_timeout_ms: 300_000,
            websocket_paths: Vec::new(),
            resolver: None,
        }
    }
}

/// The state shared by the rules while they check one model.
pub struct Checker<'m, 'a> {
    pub model: &'m Model<'a>,
    pub settings: &'m Settings,
    pub variables: &'m Variables,
    /// Every location that passes requests upstream.
    pub locations: Vec<LocationInfo<'a>>,
    /// Variables set by `map $http_upgrade ...` (lower case).
    pub upgrade_maps: HashSet<String>,
    diagnostics: Vec<Diagnostic>,
    /// (code, file, offset) already reported: a directive shared by several
    /// locations (an included file, a server-level header) is reported
    /// once.
    reported: FastSet<(&'static str, u32, u32, String)>,
}

impl<'m, 'a> Checker<'m, 'a> {
    pub fn new(model: &'m Model<'a>, settings: &'m Settings) -> Checker<'m, 'a> {
        crate::timing::phase("model");
        let variables = model.variables();
        let locations = websocket::analyse(model, settings);
        crate::timing::phase("analyse");
        let upgrade_maps = websocket::upgrade_maps(model);
        crate::timing::phase("upgrade_maps");
        Checker {
            variables,
            locations,
            upgrade_maps,
            model,
            settings,
            diagnostics: Vec::new(),
            reported: FastSet::default(),
        }
    }

    /// Reports `code` at `span` of the file of `at`.
    pub fn report(
        &mut self,
        code: Code,
        at: DirRef<'a>,
        span: Span,
        message: String,
    ) -> Option<&mut Diagnostic> {
        if !self
            .reported
            .insert((code.code, at.file.0, span.start, message.clone()))
        {
            return None;
        }
        let diagnostic = Diagnostic::new(self.model.config, code, at.file, span, message);
        self.diagnostics.push(diagnostic);
        self.diagnostics.last_mut()
    }

    /// The span of a directive up to its last argument (a block directive's
    /// header, without its body).
    pub fn header_span(&self, d: DirRef<'a>) -> Span {
        let file = self.model.file(d.file);
        let end = file
            .args(d.directive)
            .last()
            .map_or(d.directive.name.span().end, |w| w.span().end);
        Span {
            start: d.directive.span.start,
            end,
        }
    }

    /// A directive as written, for messages: `proxy_set_header Connection "upgrade"`.
    /// Long directives are excerpted (a generated file may have a 50 MB
    /// line), and line breaks inside are shown as spaces.
    pub fn text(&self, d: DirRef<'a>) -> String {
        let text = self.model.file(d.file).text_lossy(self.header_span(d));
        excerpt(&text.replace(['\r', '\n'], " "), 120)
    }

    /// Where a directive is, for a message about `from`: `line 12` in the
    /// same file, `path:12` in another.
    pub fn place(&self, d: DirRef<'a>, from: DirRef<'a>) -> String {
        if d.file == from.file {
            format!("line {}", self.model.line(d))
        } else {
            format!(
                "{}:{}",
                self.model.file(d.file).path.display(),
                self.model.line(d)
            )
        }
    }
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Runs the selected rules on a model.
pub fn check(
    model: &Model,
    settings: &Settings,
    selected: &dyn Fn(&Rule) -> bool,
) -> Vec<Diagnostic> {
    let mut checker = Checker::new(model, settings);
    for rule in ALL.iter().filter(|r| selected(r)) {
        (rule.check)(&mut checker);
        crate::timing::phase(rule.code.code);
    }
    let mut diagnostics = checker.diagnostics;
    sort_by_place(&mut diagnostics);
    diagnostics
}

/// Sorts diagnostics by file, offset and rule, those equal in all three in
/// the order they were reported.
fn sort_by_place(diagnostics: &mut [Diagnostic]) {
    sort_stably_in_place(diagnostics, |d| (d.file, d.span.start, d.code.code));
}

/// A stable sort by `key` that sorts the keys and then moves each item once,
/// cycle by cycle: a stable sort of the items themselves takes a copy of
/// them all (a diagnostic is some 200 bytes).
fn sort_stably_in_place<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    let mut order: Vec<(K, usize)> = items.iter().map(&key).zip(0..).collect();
    order.sort_unstable();
    // `from[k]`: where the item that belongs at `k` is now.
    let mut from: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    const DONE: usize = usize::MAX;
    for start in 0..from.len() {
        let mut at = start;
        while from[at] != DONE {
            let next = from[at];
            from[at] = DONE;
            if next == start {
                break;
            }
            // `start`'s item travels along the cycle; `at` gets its own.
            items.swap(at, next);
            at = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_place_sort_is_the_stable_sort() {
        // Keys with many ties, in a scrambled order; each item remembers
        // its place so ties show their order.
        for n in [0, 1, 2, 3, 10, 100, 1000] {
            let items: Vec<(u32, usize)> = (0..n).map(|i| ((i as u32 * 7919) % 13, i)).collect();
            let mut stable = items.clone();
            stable.sort_by_key(|&(k, _)| k);
            let mut ours = items.clone();
            sort_stably_in_place(&mut ours, |&(k, _)| k);
            assert_eq!(ours, stable, "{n} items");
        }
    }
}
