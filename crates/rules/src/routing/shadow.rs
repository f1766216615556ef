//! Which locations nginx never routes their own URIs to, and who takes
//! them instead — the analysis behind WS007.
//!
//! A location is *shadowed* only when that holds for its path and every
//! path below it, never for a partial overlap (`~* \.(js|css)$` takes only
//! some URIs below `/ws/`, which is not reported):
//!
//! * a prefix location (without `^~`) whose URIs a regex takes: the regex is
//!   found by routing the location's own path exactly as nginx does (so
//!   nesting, `^~` on outer levels and regex order all count), and it must
//!   match *every* URI below the path — decided for regexes of the literal
//!   forms `^/lit`, `/lit` (optionally followed by `.*`), which are the ones
//!   that capture whole paths in practice;
//! * a regex location after an earlier regex of the same level that matches
//!   everything it matches (duplicates included; literal forms again);
//! * an exact or prefix location nested inside a regex location: nginx
//!   never consults those (see `location.rs`).
//!
//! One routing per location and one pass over each level's regexes: linear
//! in the number of locations for prefix locations; regex pairs of one level
//! are compared by their literals.

use crate::fast_hash::{FastMap, FastSet};

use crate::model::{BlockId, Model};
use crate::routing::location::{Found, Level, Location, Modifier};
use crate::routing::regex::RegexCache;
use crate::routing::router::Router;
use nginx_wslint_parser::Context;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShadowReason {
    /// A regex location matches every URI of this prefix location first.
    RegexTakesPrefix,
    /// An earlier regex of the same level matches everything this one does.
    EarlierRegex,
    /// An exact or prefix location nested in a regex location.
    NestedInRegex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowing {
    /// The location that never gets its own URIs.
    pub location: BlockId,
    /// The location that gets them instead.
    pub winner: BlockId,
    /// A URI that shows it.
    pub example: String,
    pub reason: ShadowReason,
}

/// A regex that is a literal, optionally anchored at the start, optionally
/// followed by `.*`: it matches exactly the strings that start with (or
/// contain) the literal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LiteralForm {
    anchored: bool,
    literal: String,
    caseless: bool,
}

fn literal_form(source: &str, caseless: bool) -> Option<LiteralForm> {
    let (anchored, rest) = literal_parts(source)?;
    // Valid escapes are a backslash before a character standing for itself.
    let mut literal = String::with_capacity(rest.len());
    let mut escaped = false;
    for c in rest.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        literal.push(if caseless { c.to_ascii_lowercase() } else { c });
    }
    Some(LiteralForm {
        anchored,
        literal,
        caseless,
    })
}

/// Whether a regex has a [`LiteralForm`], and if so whether it is anchored
/// and its literal part (escapes still in): checked without building the
/// literal, as most regexes (`\.php$`) have none.
fn literal_parts(source: &str) -> Option<(bool, &str)> {
    let (anchored, mut rest) = match source.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, source),
    };
    for tail in ["(.*)$", "(.*)", ".*$", ".*"] {
        if let Some(r) = rest.strip_suffix(tail) {
            rest = r;
            break;
        }
    }
    let mut chars = rest.chars();
    let mut empty = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next()?;
                if escaped.is_ascii_alphanumeric() {
                    return None; // \d, \w, \1, ...: not a literal
                }
            }
            '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                return None
            }
            _ => {}
        }
        empty = false;
    }
    (!empty).then_some((anchored, rest))
}

impl LiteralForm {
    /// Whether the regex matches every string that starts with `prefix`.
    fn covers_prefix(&self, prefix: &str) -> bool {
        let prefix = if self.caseless {
            prefix.to_ascii_lowercase()
        } else {
            prefix.to_string()
        };
        if self.anchored {
            prefix.starts_with(&self.literal)
        } else {
            prefix.contains(&self.literal)
        }
    }

    /// Whether this regex matches every string `later` matches.
    fn covers(&self, later: &LiteralForm) -> bool {
        // A case-sensitive regex does not cover a caseless one whose
        // literal has letters.
        if !self.caseless
            && later.caseless
            && later.literal.bytes().any(|b| b.is_ascii_alphabetic())
        {
            return false;
        }
        let lit = if self.caseless {
            later.literal.to_ascii_lowercase()
        } else {
            later.literal.clone()
        };
        match (self.anchored, later.anchored) {
            (true, true) => lit.starts_with(&self.literal),
            (true, false) => false,
            (false, _) => lit.contains(&self.literal),
        }
    }

    fn example(&self) -> String {
        if self.anchored || self.literal.starts_with('/') {
            self.literal.clone()
        } else {
            format!("/{}", self.literal)
        }
    }
}

fn location_form(location: &Location<'_>) -> Option<LiteralForm> {
    literal_form(location.path, location.modifier == Modifier::RegexCaseless)
}

/// Every shadowed location of every server, in file order.
pub fn shadowed_locations(router: &Router<'_>) -> Vec<Shadowing> {
    let mut out = Vec::new();
    for server in router.servers() {
        if let Some(root) = router.level(server.block) {
            shadowed_in_server(root, &mut out);
        }
    }
    in_file_order(out)
}

/// [`shadowed_locations`] for a model without a whole [`Router`]: one
/// server's location tree at a time, and only for servers with a regex
/// location, since every kind of shadowing involves one. (A router also
/// reads every server's names and listens, and holds every tree at once.)
/// A server whose regexes have no literal form needs no tree at all: only
/// nesting in a regex location is left to find (every other kind needs
/// one: see `check_level` and `prefix_shadowed_by_regex`).
pub fn shadowed_locations_in(model: &Model<'_>) -> Vec<Shadowing> {
    let mut regexes = RegexCache::default();
    let mut out = Vec::new();
    // One walk's stack for every server (a new one per server grew a few
    // times in each: 1,800 reallocations at 1 MB of input).
    let mut stack = Vec::new();
    let mut nesting_stack = Vec::new();
    for server in model.all_blocks() {
        if model.block(server).context != Context::Server {
            continue;
        }
        match regex_locations(model, server, &mut stack) {
            RegexLocations::None => {}
            RegexLocations::NoLiteralForm => {
                nested_in_regex(model, server, &mut nesting_stack, &mut out);
            }
            RegexLocations::SomeLiteralForm => {
                let root = Level::build(model, server, &mut regexes);
                shadowed_in_server(&root, &mut out);
            }
        }
    }
    in_file_order(out)
}

/// Which regex locations a server has.
enum RegexLocations {
    None,
    NoLiteralForm,
    SomeLiteralForm,
}

/// The regex locations anywhere inside `block`; `stack` is the walk's
/// (cleared first; passed in for its capacity).
fn regex_locations(model: &Model<'_>, block: BlockId, stack: &mut Vec<BlockId>) -> RegexLocations {
    let mut found = RegexLocations::None;
    stack.clear();
    stack.push(block);
    while let Some(b) = stack.pop() {
        for child in model.children(b) {
            if model.block_name(child) != "location" {
                continue;
            }
            if let Some((modifier, path)) = model.location(child) {
                if modifier.is_regex() {
                    if literal_parts(path).is_some() {
                        return RegexLocations::SomeLiteralForm;
                    }
                    found = RegexLocations::NoLiteralForm;
                }
            }
            stack.push(child);
        }
    }
    found
}

/// The exact and prefix locations nested, at any depth, in a regex
/// location of `server`, found by walking the model (as `check_level` finds
/// them in a location tree). `stack` is the walk's (cleared first; passed
/// in for its capacity).
fn nested_in_regex(
    model: &Model<'_>,
    server: BlockId,
    stack: &mut Vec<(BlockId, Option<BlockId>)>,
    out: &mut Vec<Shadowing>,
) {
    stack.clear();
    stack.push((server, None));
    while let Some((block, regex_parent)) = stack.pop() {
        for child in model.children(block) {
            if model.block_name(child) != "location" {
                continue;
            }
            let Some((modifier, path)) = model.location(child) else {
                continue;
            };
            if let (Some(winner), Modifier::Exact | Modifier::Prefix | Modifier::NoRegex) =
                (regex_parent, modifier)
            {
                out.push(Shadowing {
                    location: child,
                    winner,
                    example: path.to_string(),
                    reason: ShadowReason::NestedInRegex,
                });
            }
            stack.push((child, regex_parent.or(modifier.is_regex().then_some(child))));
        }
    }
}

fn shadowed_in_server(root: &Level<'_>, out: &mut Vec<Shadowing>) {
    let server = ServerLocations {
        root,
        by_block: root.all().into_iter().map(|l| (l.block, l)).collect(),
    };
    // (level, the regex location it is nested in, if any)
    let mut stack: Vec<(&Level<'_>, Option<BlockId>)> = vec![(root, None)];
    while let Some((level, regex_parent)) = stack.pop() {
        check_level(&server, level, regex_parent, out);
        for location in &level.locations {
            let parent = regex_parent.or(location.modifier.is_regex().then_some(location.block));
            stack.push((&location.children, parent));
        }
    }
}

fn in_file_order(mut out: Vec<Shadowing>) -> Vec<Shadowing> {
    out.sort_by_key(|s| s.location);
    out.dedup_by_key(|s| s.location);
    out
}

struct ServerLocations<'r> {
    root: &'r Level<'r>,
    by_block: FastMap<BlockId, &'r Location<'r>>,
}

fn check_level(
    server: &ServerLocations,
    level: &Level<'_>,
    regex_parent: Option<BlockId>,
    out: &mut Vec<Shadowing>,
) {
    let mut earlier_regexes: Vec<(&Location<'_>, LiteralForm)> = Vec::new();
    // Exact locations by path, for levels large enough that a scan per
    // prefix location would be quadratic.
    let exact_paths: Option<FastSet<&str>> = (level.locations.len() > 16).then(|| {
        level
            .locations
            .iter()
            .filter(|l| l.modifier == Modifier::Exact)
            .map(|l| l.path)
            .collect()
    });
    for location in &level.locations {
        match location.modifier {
            Modifier::Named => {}
            Modifier::Exact | Modifier::Prefix | Modifier::NoRegex if regex_parent.is_some() => {
                out.push(Shadowing {
                    location: location.block,
                    winner: regex_parent.expect("checked"),
                    example: location.path.to_string(),
                    reason: ShadowReason::NestedInRegex,
                });
            }
            // A nested `^~` stops only its own level's regexes: outer
            // regexes can still take it, which the routing probe finds.
            Modifier::Prefix | Modifier::NoRegex => {
                let exact_twin = match &exact_paths {
                    Some(paths) => paths.contains(location.path),
                    None => level
                        .locations
                        .iter()
                        .any(|l| l.modifier == Modifier::Exact && l.path == location.path),
                };
                if let Some(s) = prefix_shadowed_by_regex(server, location, exact_twin) {
                    out.push(s);
                }
            }
            Modifier::Exact => {}
            Modifier::Regex | Modifier::RegexCaseless => {
                let Some(form) = location_form(location) else {
                    continue;
                };
                let earlier = earlier_regexes.iter().find(|(l, f)| {
                    f.covers(&form) || (l.path == location.path && l.modifier == location.modifier)
                });
                if let Some((winner, _)) = earlier {
                    out.push(Shadowing {
                        location: location.block,
                        winner: winner.block,
                        example: form.example(),
                        reason: ShadowReason::EarlierRegex,
                    });
                }
                earlier_regexes.push((location, form));
            }
        }
    }
}

/// Routes the prefix location's own path through its server and checks
/// that the regex that wins takes every URI below the path.
fn prefix_shadowed_by_regex(
    server: &ServerLocations,
    location: &Location<'_>,
    exact_twin: bool,
) -> Option<Shadowing> {
    let path = location.path;
    // The path itself, unless an exact location of that name answers it.
    let probe = if exact_twin {
        std::borrow::Cow::Owned(format!("{path}~"))
    } else {
        std::borrow::Cow::Borrowed(path)
    };
    let Found::Location(winner) = server.root.find(probe.as_bytes()).ok()? else {
        return None;
    };
    if winner == location.block {
        return None;
    }
    let winner_location = server.by_block.get(&winner)?;
    if !winner_location.modifier.is_regex() {
        return None; // a longer prefix or a nested location: not shadowing
    }
    let form = location_form(winner_location)?;
    form.covers_prefix(path).then_some(Shadowing {
        location: location.block,
        winner,
        example: probe.into_owned(),
        reason: ShadowReason::RegexTakesPrefix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_forms() {
        let f = literal_form(r"^/chat", false).unwrap();
        assert!(f.anchored && f.literal == "/chat");
        assert!(f.covers_prefix("/chat/ws/"));
        assert!(!f.covers_prefix("/api/chat/"));
        let f = literal_form(r"/socket", false).unwrap();
        assert!(f.covers(&literal_form(r"/socket\.io/", false).unwrap()));
        assert!(!literal_form(r"/socket\.io/", false).unwrap().covers(&f));
        assert_eq!(literal_form(r"\.(js|css)$", true), None);
        assert_eq!(literal_form(r"^/api/.*", false).unwrap().literal, "/api/");
        let caseless = literal_form(r"^/WS", true).unwrap();
        assert!(caseless.covers_prefix("/ws/x"));
        assert!(!literal_form("^/ws", false).unwrap().covers(&caseless));
        assert!(caseless.covers(&literal_form("^/ws/x", false).unwrap()));
        // An escaped backslash stands for itself, and so does an escaped `.`.
        assert_eq!(literal_form(r"^/a\\\.b", false).unwrap().literal, r"/a\.b");
        assert_eq!(literal_form(r"/x\d", false), None);
        assert_eq!(literal_form(r"/x\", false), None);
        assert_eq!(literal_form("^", false), None);
        assert_eq!(literal_form("^.*", false), None);
    }
}
