//! Location selection, as `ngx_http_core_find_location` and
//! `ngx_http_core_find_static_location` do it (src/http/ngx_http_core_module.c):
//!
//! 1. Among the exact (`=`) and prefix locations of a level, a location
//!    named exactly as the URI wins: the exact one returns at once (no
//!    regexes), a prefix one is taken as the match. Otherwise, if a location
//!    named URI + `/` proxies (`auto_redirect`), nginx answers with a 301 to
//!    it, without regexes. Otherwise the longest prefix (plain or `^~`)
//!    matches.
//! 2. If that prefix has nested locations, the lookup recurses into them
//!    first; an exact match, a redirect, or a matching nested regex there ends
//!    the search.
//! 3. Unless the prefix found *at this level* has `^~`, this level's regexes
//!    are tried in file order; the first that matches wins (and its own
//!    nested locations are searched).
//! 4. Otherwise the deepest prefix found is used; with none, the server level
//!    handles the request.
//!
//! Prefix comparison is case-sensitive (Linux). Named locations are never
//! selected by URI. Exact and prefix locations nested inside a *regex*
//! location are never selected either: nginx builds static location trees
//! only below exact and prefix locations (`ngx_http_init_static_location_trees`
//! recurses over the queue after the regex locations were split off), so
//! only nested regexes work there. Checked against nginx in
//! `tests/routing_vs_nginx.rs`.

use crate::fast_hash::FastMap;

use crate::model::{BlockId, Model};
use crate::routing::regex::{CannotEvaluate, NginxRegex, RegexCache};

/// How a location matches (`location [=|^~|~|~*] path` or `location @name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    Prefix,
    Exact,
    NoRegex,
    Regex,
    RegexCaseless,
    Named,
}

impl Modifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Prefix => "",
            Modifier::Exact => "=",
            Modifier::NoRegex => "^~",
            Modifier::Regex => "~",
            Modifier::RegexCaseless => "~*",
            Modifier::Named => "@",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, Modifier::Regex | Modifier::RegexCaseless)
    }
}

/// A `location` block's modifier and path, from its arguments as
/// `ngx_http_core_location` reads them (the modifier may be glued to the
/// path: `=/x`, `^~/x`, `~^/x`, `~*\.png$`). `None` for an invalid form.
/// [`Model::location`] has it for every location block.
pub fn location_of<'a>(
    model: &Model<'a>,
    header: crate::model::DirRef<'a>,
) -> Option<(Modifier, &'a str)> {
    location_in(model.file(header.file), header.directive)
}

/// [`location_of`] for directive `d` of `file`, read without collecting its
/// arguments.
pub fn location_in<'a>(
    file: &'a nginx_wslint_parser::SourceFile,
    d: &'a nginx_wslint_parser::Directive,
) -> Option<(Modifier, &'a str)> {
    // More than two arguments is an error either way: three are enough.
    let mut args = [""; 3];
    let mut count = 0;
    for value in file.arg_values(d).take(3) {
        args[count] = value;
        count += 1;
    }
    parse_location_args(&args[..count])
}

pub fn parse_location_args<'s>(args: &[&'s str]) -> Option<(Modifier, &'s str)> {
    match args {
        [modifier, path] => {
            let m = match *modifier {
                "=" => Modifier::Exact,
                "^~" => Modifier::NoRegex,
                "~" => Modifier::Regex,
                "~*" => Modifier::RegexCaseless,
                _ => return None,
            };
            Some((m, *path))
        }
        [path] => {
            let (m, rest) = if let Some(rest) = path.strip_prefix('=') {
                (Modifier::Exact, rest)
            } else if let Some(rest) = path.strip_prefix("~*") {
                (Modifier::RegexCaseless, rest)
            } else if let Some(rest) = path.strip_prefix('~') {
                (Modifier::Regex, rest)
            } else if let Some(rest) = path.strip_prefix("^~") {
                (Modifier::NoRegex, rest)
            } else if path.starts_with('@') {
                (Modifier::Named, *path)
            } else {
                (Modifier::Prefix, *path)
            };
            Some((m, rest))
        }
        _ => None,
    }
}

#[derive(Debug)]
pub struct Location<'a> {
    pub block: BlockId,
    pub modifier: Modifier,
    /// The path as written (a slice of the configuration's text).
    pub path: &'a str,
    pub regex: Option<NginxRegex>,
    pub auto_redirect: bool,
    pub children: Level<'a>,
}

/// The locations directly inside a server or location.
#[derive(Debug, Default)]
pub struct Level<'a> {
    pub locations: Vec<Location<'a>>,
    /// Exact and prefix locations by name: (exact, inclusive).
    statics: FastMap<&'a [u8], (Option<usize>, Option<usize>)>,
    /// Regex locations in file order.
    regexes: Vec<usize>,
    /// For a level with many regexes: which ones a URI can match (boxed:
    /// most levels have none, and every location holds a level).
    regex_index: Option<Box<RegexIndex>>,
}

/// The regex locations of a level filed by the literal their matches start
/// with (`^/api/...`), so that a URI is tried only against those whose
/// literal it starts with and those with none, still in file order. A
/// regex skipped this way would have answered "no match" (see
/// `NginxRegex::is_match`), so the answer is the same.
#[derive(Debug, Default)]
struct RegexIndex {
    /// Locations of regexes with no start literal.
    unfiled: Vec<usize>,
    /// Case-sensitive, then caseless (lower-cased) literals.
    by_literal: [FastMap<Box<[u8]>, Vec<usize>>; 2],
    /// The distinct literal lengths of each map, ascending.
    lengths: [Vec<usize>; 2],
}

/// Levels with fewer regexes are searched one regex after another.
const INDEXED_REGEXES: usize = 16;

impl RegexIndex {
    fn build(locations: &[Location], regexes: &[usize]) -> RegexIndex {
        let mut index = RegexIndex::default();
        for &i in regexes {
            let regex = locations[i].regex.as_ref();
            match regex.and_then(|r| Some((r.start_literal()?, r.caseless))) {
                Some((literal, caseless)) => {
                    let key = if caseless {
                        literal.to_ascii_lowercase().into()
                    } else {
                        literal.into()
                    };
                    let which = usize::from(caseless);
                    index.lengths[which].push(literal.len());
                    index.by_literal[which].entry(key).or_default().push(i);
                }
                None => index.unfiled.push(i),
            }
        }
        for lengths in &mut index.lengths {
            lengths.sort_unstable();
            lengths.dedup();
        }
        index
    }

    /// The regex locations `uri` may match, in file order.
    fn candidates(&self, uri: &[u8]) -> std::borrow::Cow<'_, [usize]> {
        let mut filed = Vec::new();
        let mut look_up = |which: usize, subject: &[u8]| {
            for &len in self.lengths[which]
                .iter()
                .take_while(|&&l| l <= subject.len())
            {
                if let Some(found) = self.by_literal[which].get(&subject[..len]) {
                    filed.extend_from_slice(found);
                }
            }
        };
        look_up(0, uri);
        if !self.lengths[1].is_empty() {
            look_up(1, &uri.to_ascii_lowercase());
        }
        if filed.is_empty() {
            return std::borrow::Cow::Borrowed(&self.unfiled);
        }
        filed.extend_from_slice(&self.unfiled);
        filed.sort_unstable();
        std::borrow::Cow::Owned(filed)
    }
}

/// What the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// This location handles the request.
    Location(BlockId),
    /// nginx answers 301 with the URI plus `/`, from this location.
    Redirect(BlockId),
    /// No location matches: the server level handles the request.
    ServerLevel,
}

/// The internal result of one level, like nginx's NGX_OK (final), NGX_DONE
/// (redirect), NGX_AGAIN (a prefix, regexes may still win) and
/// NGX_DECLINED.
enum Step {
    Final(BlockId),
    Redirect(BlockId),
    Prefix(BlockId),
    Declined,
}

/// The static lookup of one level, by index into its locations.
enum Static {
    Exact(usize),
    Redirect(usize),
    Prefix(usize),
    None,
}

impl<'a> Level<'a> {
    /// The location levels of a server (or location) block.
    pub fn build(model: &Model<'a>, parent: BlockId, regexes: &mut RegexCache) -> Level<'a> {
        Level::build_in(model, parent, false, regexes)
    }

    /// `inside_regex`: the parent is a regex location, whose nested exact
    /// and prefix locations nginx never consults.
    fn build_in(
        model: &Model<'a>,
        parent: BlockId,
        inside_regex: bool,
        regexes: &mut RegexCache,
    ) -> Level<'a> {
        let mut level = Level {
            locations: Vec::with_capacity(
                model
                    .children(parent)
                    .filter(|&c| model.block_name(c) == "location")
                    .count(),
            ),
            ..Level::default()
        };
        for child in model.children(parent) {
            if model.block_name(child) != "location" {
                continue;
            }
            let Some((modifier, path)) = model.location(child) else {
                continue;
            };
            let regex = modifier
                .is_regex()
                .then(|| NginxRegex::cached(path, modifier == Modifier::RegexCaseless, regexes));
            // Every `*_pass` handler sets `clcf->auto_redirect`: a prefix
            // location ending in `/` then redirects the slash-less URI.
            let auto_redirect = path.ends_with('/') && model.own_pass(child).is_some();
            let index = level.locations.len();
            match modifier {
                Modifier::Exact | Modifier::Prefix | Modifier::NoRegex if inside_regex => {}
                Modifier::Exact => {
                    let entry = level.statics.entry(path.as_bytes()).or_default();
                    entry.0.get_or_insert(index);
                }
                Modifier::Prefix | Modifier::NoRegex => {
                    let entry = level.statics.entry(path.as_bytes()).or_default();
                    entry.1.get_or_insert(index);
                }
                Modifier::Regex | Modifier::RegexCaseless => level.regexes.push(index),
                Modifier::Named => {}
            }
            let children = Level::build_in(model, child, modifier.is_regex(), regexes);
            level.locations.push(Location {
                block: child,
                modifier,
                path,
                regex,
                auto_redirect,
                children,
            });
        }
        if level.regexes.len() >= INDEXED_REGEXES {
            level.regex_index = Some(Box::new(RegexIndex::build(
                &level.locations,
                &level.regexes,
            )));
        }
        level
    }

    /// Finds the location for a normalised URI.
    pub fn find(&self, uri: &[u8]) -> Result<Found, CannotEvaluate> {
        Ok(match self.find_step(uri)? {
            Step::Final(b) | Step::Prefix(b) => Found::Location(b),
            Step::Redirect(b) => Found::Redirect(b),
            Step::Declined => Found::ServerLevel,
        })
    }

    fn find_step(&self, uri: &[u8]) -> Result<Step, CannotEvaluate> {
        let mut result = Step::Declined;
        let mut noregex = false;
        match self.find_static(uri) {
            Static::Exact(i) => return Ok(Step::Final(self.locations[i].block)),
            Static::Redirect(i) => return Ok(Step::Redirect(self.locations[i].block)),
            Static::Prefix(i) => {
                let location = &self.locations[i];
                // `^~` stops the regexes of this level only.
                noregex = location.modifier == Modifier::NoRegex;
                result = match location.children.find_step(uri)? {
                    done @ (Step::Final(_) | Step::Redirect(_)) => return Ok(done),
                    Step::Prefix(inner) => Step::Prefix(inner),
                    Step::Declined => Step::Prefix(location.block),
                };
            }
            Static::None => {}
        }
        if !noregex {
            let candidates;
            let regexes = match &self.regex_index {
                Some(index) => {
                    candidates = index.candidates(uri);
                    &candidates[..]
                }
                None => &self.regexes[..],
            };
            for &i in regexes {
                let location = &self.locations[i];
                let regex = location
                    .regex
                    .as_ref()
                    .expect("regex locations have a regex");
                if regex.is_match(uri)? {
                    return Ok(match location.children.find_step(uri)? {
                        Step::Final(b) | Step::Prefix(b) => Step::Final(b),
                        Step::Redirect(b) => Step::Redirect(b),
                        Step::Declined => Step::Final(location.block),
                    });
                }
            }
        }
        Ok(result)
    }

    fn find_static(&self, uri: &[u8]) -> Static {
        if let Some(&(exact, inclusive)) = self.statics.get(uri) {
            if let Some(i) = exact {
                return Static::Exact(i);
            }
            if let Some(i) = inclusive {
                return Static::Prefix(i);
            }
        }
        let mut with_slash = uri.to_vec();
        with_slash.push(b'/');
        if let Some(&(exact, inclusive)) = self.statics.get(with_slash.as_slice()) {
            // The tree node redirects if either location proxies; the
            // redirect comes from the exact one when there is one.
            let redirects = |i: Option<usize>| i.is_some_and(|i| self.locations[i].auto_redirect);
            if redirects(exact) || redirects(inclusive) {
                if let Some(i) = exact.or(inclusive) {
                    return Static::Redirect(i);
                }
            }
        }
        for len in (0..uri.len()).rev() {
            if let Some(&(_, Some(i))) = self.statics.get(&uri[..len]) {
                return Static::Prefix(i);
            }
        }
        Static::None
    }

    /// Every location of this level and below, depth first.
    pub fn all(&self) -> Vec<&Location<'a>> {
        let mut out = Vec::new();
        let mut stack: Vec<&Level<'a>> = vec![self];
        while let Some(level) = stack.pop() {
            for location in level.locations.iter().rev() {
                stack.push(&location.children);
            }
            out.extend(level.locations.iter());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_arguments_like_nginx() {
        assert_eq!(
            parse_location_args(&["=", "/x"]),
            Some((Modifier::Exact, "/x"))
        );
        assert_eq!(parse_location_args(&["=/x"]), Some((Modifier::Exact, "/x")));
        assert_eq!(
            parse_location_args(&["~*\\.png$"]),
            Some((Modifier::RegexCaseless, "\\.png$"))
        );
        assert_eq!(
            parse_location_args(&["~^/x"]),
            Some((Modifier::Regex, "^/x"))
        );
        assert_eq!(
            parse_location_args(&["^~/x"]),
            Some((Modifier::NoRegex, "/x"))
        );
        assert_eq!(
            parse_location_args(&["@back"]),
            Some((Modifier::Named, "@back"))
        );
        assert_eq!(parse_location_args(&["!", "/x"]), None);
    }
}
