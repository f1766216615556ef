//! Which locations are WebSocket locations (SPEC §1 "WebSocket location"):
//! a location that passes requests upstream and
//!
//! 1. whose effective headers or own directives declare upgrade intent (an
//!    `Upgrade` header, a `Connection` header carrying `upgrade`, a use of
//!    `$http_upgrade` or `$connection_upgrade`), even if incomplete;
//! 2. whose path looks like a WebSocket endpoint (a segment `ws`, `wss`,
//!    `websocket(s)`, `socket.io`, `sockjs`, `sockjs-node`, `cable`,
//!    `hub(s)`, `webpack-hmr`, `notify_push`, `graphql-ws`,
//!    `subscriptions`, case-insensitive, alone or followed by `-`, `_` or
//!    `.`);
//! 3. that has a `# nginx-wslint: websocket` comment on the line above; or
//! 4. whose path a configured `websocket-paths` regex matches.
//!
//! A catch-all `location /` qualifies only through 1, 3 or 4. A location is
//! WebSocket-*dedicated* when it qualifies through 2, 3 or 4.

use crate::fast_hash::FastMap;

use nginx_wslint_parser::{Context, FileId, Node, SourceFile};

use crate::model::effective::{Header, ProxySettings, PASS_DIRECTIVES};
use crate::model::variables::referenced;
use crate::model::{ascii_lowercase, BlockId, DirRef, Model};
use crate::routing::location::Modifier;
use crate::rules::Settings;

/// Why a location counts as a WebSocket location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Upgrade headers or variables in effect (from this block or inherited).
    Headers {
        own: bool,
    },
    Path,
    Comment,
    ConfiguredPath,
}

impl Intent {
    pub fn dedicated(self) -> bool {
        !matches!(self, Intent::Headers { .. })
    }
}

/// A location that passes requests upstream, with what the rules need.
#[derive(Debug, Clone)]
pub struct LocationInfo<'a> {
    pub block: BlockId,
    /// The `location` directive.
    pub header: DirRef<'a>,
    pub modifier: Modifier,
    pub path: &'a str,
    pub proxy: ProxySettings<'a>,
    /// The `*_pass` directive in effect, and which of
    /// [`PASS_DIRECTIVES`] it is (a byte where its name took 16).
    pub pass: DirRef<'a>,
    pass_kind: u8,
    /// `Some` for a WebSocket location: why.
    pub intent: Option<Intent>,
}

impl LocationInfo<'_> {
    pub fn is_websocket(&self) -> bool {
        self.intent.is_some()
    }

    pub fn is_dedicated(&self) -> bool {
        self.intent.is_some_and(Intent::dedicated)
    }

    /// The name of the `*_pass` directive in effect.
    pub fn pass_name(&self) -> &'static str {
        PASS_DIRECTIVES[usize::from(self.pass_kind)]
    }

    pub fn proxies(&self) -> bool {
        self.pass_name() == "proxy_pass"
    }

    /// A WebSocket location proxied with `proxy_pass` whose effective
    /// settings could all be read (no unreadable include on the way): the
    /// locations WS001–WS003 judge.
    pub fn is_judged_websocket_proxy(&self) -> bool {
        self.is_websocket() && self.proxies() && !self.proxy.incomplete
    }
}

const KEYWORDS: &[&str] = &[
    "ws",
    "wss",
    "websocket",
    "websockets",
    "socket.io",
    "sockjs",
    "sockjs-node",
    "cable",
    "hub",
    "hubs",
    "webpack-hmr",
    "notify_push",
    "graphql-ws",
    "subscriptions",
];

/// Keywords also recognised at the end of a segment.
const SUFFIX_KEYWORDS: &[&str] = &["ws", "websocket", "websockets", "socket.io", "sockjs"];

/// File extensions of locations that serve files, not sockets: upgrade
/// headers pasted into them are boilerplate, not intent.
const FILE_EXTENSIONS: &[&str] = &[
    ".php", ".js", ".css", ".html", ".htm", ".json", ".txt", ".xml", ".png", ".jpg", ".jpeg",
    ".gif", ".svg", ".ico", ".map", ".woff", ".woff2",
];

fn serves_a_file(path: &str) -> bool {
    let path = path.as_bytes();
    FILE_EXTENSIONS.iter().any(|e| {
        path.len() >= e.len() && path[path.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
    })
}

/// Whether a location path (prefix or regex text) has a WebSocket-looking
/// segment.
pub fn path_looks_websocket(path: &str) -> bool {
    // SignalR's `.../negotiate` and SockJS's `.../info` are plain HTTP.
    let last = path
        .trim_end_matches(['/', '$'])
        .rsplit('/')
        .next()
        .unwrap_or("");
    if last.eq_ignore_ascii_case("negotiate") || last.eq_ignore_ascii_case("info") {
        return false;
    }
    // Byte by byte: the keywords, the separators and the regex syntax
    // left out are ASCII, and lower-casing touches ASCII only. One buffer
    // for every segment: this runs for every proxying location.
    let mut lower: Vec<u8> = Vec::new();
    path.as_bytes().split(|&b| b == b'/').any(|segment| {
        let plain = !segment
            .iter()
            .any(|b| b.is_ascii_uppercase() || REGEX_SYNTAX.contains(b));
        // Most segments are plain lower-case words: compared as they are.
        // Others lose the regex syntax around them (`^`, `$`, escapes,
        // groups) and are lower-cased.
        let text = if plain {
            segment
        } else {
            lower.clear();
            lower.extend(
                segment
                    .iter()
                    .filter(|b| !REGEX_SYNTAX.contains(b))
                    .map(u8::to_ascii_lowercase),
            );
            &lower
        };
        text.split(|&b| b == b'|').any(alternative_looks_websocket)
    })
}

/// Bytes of regex syntax that [`path_looks_websocket`] leaves out of a
/// segment.
const REGEX_SYNTAX: &[u8] = b"^$\\()?*+[]";

/// Whether one alternative of a segment (lower case) is a keyword, starts
/// with one before `-`, `_` or `.`, or ends with a suffix keyword after
/// one of them (`xmpp-websocket`, `cryptpad_websocket`).
fn alternative_looks_websocket(alternative: &[u8]) -> bool {
    let separator = |b: &u8| matches!(b, b'-' | b'_' | b'.');
    // Most alternatives start with none of the keywords' first letters and
    // hold no separator: no keyword can match them.
    let Some(first) = alternative.first() else {
        return false;
    };
    if !KEYWORDS.iter().any(|k| k.as_bytes()[0] == *first) && !alternative.iter().any(separator) {
        return false;
    }
    KEYWORDS.iter().any(|k| {
        alternative
            .strip_prefix(k.as_bytes())
            .is_some_and(|rest| rest.first().is_none_or(separator))
    }) || SUFFIX_KEYWORDS.iter().any(|k| {
        alternative
            .strip_suffix(k.as_bytes())
            .is_some_and(|rest| rest.last().is_some_and(separator))
    })
}

/// Whether `haystack` contains `needle` (lower case), ignoring ASCII case.
pub(crate) fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Whether the upgrade variables or headers appear in a value.
fn mentions_upgrade_variable(value: &str) -> bool {
    // `referenced` looks for a `$` first: a value without one costs a scan.
    referenced(value).any(|v| {
        v.eq_ignore_ascii_case("http_upgrade") || v.eq_ignore_ascii_case("connection_upgrade")
    })
}

fn headers_declare_upgrade(model: &Model, proxy: &ProxySettings) -> bool {
    model.headers(proxy.headers).any(|h| {
        h.is("Upgrade")
            || (h.is("Connection")
                && (contains_ignore_ascii_case(h.value, "upgrade")
                    || mentions_upgrade_variable(h.value)))
    })
}

/// Locations marked with `# nginx-wslint: websocket` on the line above,
/// per file: (file, start of the location directive).
struct Markers {
    by_file: FastMap<FileId, Vec<u32>>,
}

impl Markers {
    fn marked(&mut self, model: &Model, d: DirRef) -> bool {
        let starts = self
            .by_file
            .entry(d.file)
            .or_insert_with(|| marked_directives(model.file(d.file)));
        starts.binary_search(&d.directive.span.start).is_ok()
    }
}

fn marked_directives(file: &SourceFile) -> Vec<u32> {
    let mut out = Vec::new();
    if !file.has_tool_comment() {
        return out;
    }
    let mut stack: Vec<&[Node]> = vec![file.items()];
    while let Some(items) = stack.pop() {
        for pair in items.windows(2) {
            if let (Node::Comment(c), Node::Directive(d)) = (&pair[0], &pair[1]) {
                let text = file.comment_text(c);
                let is_marker = text
                    .trim()
                    .strip_prefix(nginx_wslint_parser::TOOL_COMMENT_MARKER)
                    .is_some_and(|rest| rest.trim() == "websocket");
                if is_marker && file.line_of(d) == c.line + 1 {
                    out.push(d.span.start);
                }
            }
        }
        for node in items {
            if let Node::Directive(d) = node {
                if let Some(b) = file.block(d) {
                    stack.push(file.block_items(b));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Every location that passes requests upstream, with its WebSocket intent.
pub fn analyse<'a>(model: &Model<'a>, settings: &Settings) -> Vec<LocationInfo<'a>> {
    let mut markers = Markers {
        by_file: FastMap::default(),
    };
    // Most locations of a large configuration pass to nothing: they are
    // left out before their effective settings are gathered, and the list
    // is sized for the others (a record takes some 240 bytes).
    let passing: Vec<BlockId> = model
        .locations()
        .filter(|&block| model.pass(block).is_some())
        .collect();
    let mut out = Vec::with_capacity(passing.len());
    for block in passing {
        let Some(header) = model.block(block).header else {
            continue;
        };
        let Some((modifier, path)) = model.location(block) else {
            continue;
        };
        let proxy = model.proxy_settings(block, settings.target);
        let Some(pass) = proxy.pass else { continue };
        let Some(pass_kind) = PASS_DIRECTIVES.iter().position(|&n| n == model.name(pass)) else {
            continue;
        };
        let mentions_upgrade = |d: DirRef| {
            model
                .file(d.file)
                .arg_values(d.directive)
                .any(mentions_upgrade_variable)
        };
        // Asked only when the path and markers leave the intent open.
        let own_upgrade = || {
            model.directives(block).any(mentions_upgrade)
                || model
                    .children(block)
                    .filter(|&c| model.block(c).context == Context::If)
                    .any(|c| {
                        model.block(c).header.is_some_and(mentions_upgrade)
                            || model.directives(c).any(mentions_upgrade)
                    })
        };
        let own_headers =
            proxy.headers_level == Some(block) && headers_declare_upgrade(model, &proxy);
        let intent = if markers.marked(model, header) {
            Some(Intent::Comment)
        } else if settings.websocket_paths.iter().any(|r| r.is_match(path)) {
            Some(Intent::ConfiguredPath)
        } else if modifier != Modifier::Named && path_looks_websocket(path) {
            Some(Intent::Path)
        } else if !modifier.is_regex() && serves_a_file(path) {
            None
        } else if own_headers || own_upgrade() {
            Some(Intent::Headers { own: true })
        } else if headers_declare_upgrade(model, &proxy) {
            Some(Intent::Headers { own: false })
        } else {
            None
        };
        out.push(LocationInfo {
            block,
            header,
            modifier,
            path,
            proxy,
            pass,
            pass_kind: pass_kind as u8,
            intent,
        });
    }
    out
}

/// Variables set by `map $http_upgrade $name { ... }`: equivalents of
/// `$connection_upgrade` for the Connection header.
pub fn upgrade_maps(model: &Model) -> std::collections::HashSet<String> {
    model
        .all_blocks()
        .filter(|&b| model.block_name(b) == "map")
        .filter_map(|b| model.block(b).header)
        .filter_map(|h| {
            let args = model.args(h);
            (args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case("$http_upgrade")))
            .then(|| {
                // Only names a `$name` reference spells whole: the checks
                // read header values with the same `referenced`, so a map
                // named `$a!b` (read as `$a`) could never be matched, and a
                // fix inserting it would never satisfy WS002.
                args.get(1).and_then(|v| {
                    let name = referenced(v).next()?;
                    (v.len() == name.len() + 1).then(|| name.to_ascii_lowercase())
                })
            })
            .flatten()
        })
        .collect()
}

/// How the effective headers of a location treat the upgrade.
pub struct UpgradeHeaders<'a> {
    /// `Upgrade` with `$http_upgrade` (or `websocket`).
    pub upgrade: Option<Header<'a>>,
    /// `Connection` carrying `upgrade`: a literal, `$connection_upgrade`,
    /// a map of `$http_upgrade`, or `$http_connection`.
    pub connection: Option<Header<'a>>,
    /// `Upgrade $connection_upgrade` or `Connection $http_upgrade`.
    pub swapped: Vec<Header<'a>>,
}

pub fn upgrade_headers<'a>(
    model: &Model<'a>,
    proxy: &ProxySettings<'a>,
    maps: &std::collections::HashSet<String>,
) -> UpgradeHeaders<'a> {
    // Map names are stored lower-cased.
    let is_map = |v: &str| maps.contains(ascii_lowercase(v).as_ref());
    let mut out = UpgradeHeaders {
        upgrade: None,
        connection: None,
        swapped: Vec::new(),
    };
    for h in model.headers(proxy.headers) {
        let upgrade = h.is("Upgrade");
        if !upgrade && !h.is("Connection") {
            continue;
        }
        let uses = UpgradeVariables::in_value(h.value);
        let uses_map = || referenced(h.value).any(is_map);
        if upgrade {
            if uses.connection_upgrade || uses_map() {
                out.swapped.push(h);
            } else if uses.http_upgrade || h.value.eq_ignore_ascii_case("websocket") {
                out.upgrade.get_or_insert(h);
            }
        } else if uses.http_upgrade {
            out.swapped.push(h);
        } else if contains_ignore_ascii_case(h.value, "upgrade")
            || uses.connection_upgrade
            || uses.http_connection
            || uses_map()
        {
            out.connection.get_or_insert(h);
        }
    }
    out
}

/// Which of the variables that carry an upgrade a header value references
/// (names compared as nginx does, ignoring case): read in one pass, where
/// asking for each name read the value again (1,600 header lists at 1 MB
/// of input).
#[derive(Default)]
struct UpgradeVariables {
    http_upgrade: bool,
    connection_upgrade: bool,
    http_connection: bool,
}

impl UpgradeVariables {
    fn in_value(value: &str) -> UpgradeVariables {
        let mut found = UpgradeVariables::default();
        for name in referenced(value) {
            if name.eq_ignore_ascii_case("http_upgrade") {
                found.http_upgrade = true;
            } else if name.eq_ignore_ascii_case("connection_upgrade") {
                found.connection_upgrade = true;
            } else if name.eq_ignore_ascii_case("http_connection") {
                found.http_connection = true;
            }
        }
        found
    }
}

/// The `location` directives of the judged WebSocket proxies whose
/// effective headers lack the upgrade header `name` (`present` says whether
/// it is there), unless WS010 (swapped headers) or WS009 (`name` dropped by
/// the location's own `proxy_set_header`) explains the gap.
pub fn missing_upgrade_header<'a>(
    model: &Model<'a>,
    locations: &[LocationInfo<'a>],
    maps: &std::collections::HashSet<String>,
    name: &str,
    present: impl Fn(&UpgradeHeaders) -> bool,
) -> Vec<DirRef<'a>> {
    locations
        .iter()
        .filter(|l| l.is_judged_websocket_proxy())
        .filter(|l| {
            let headers = upgrade_headers(model, &l.proxy, maps);
            !present(&headers) && headers.swapped.is_empty() && !discards(model, &l.proxy, name)
        })
        .map(|l| l.header)
        .collect()
}

/// Whether the location's own `proxy_set_header` list discards an outer
/// header named `name` (WS009's situation).
pub fn discards(model: &Model, proxy: &ProxySettings, name: &str) -> bool {
    model.headers(proxy.discarded).any(|h| h.is(name))
        && !model.headers(proxy.headers).any(|h| h.is(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-wise search agrees with the plain reading of the rule
    /// (characters, the regex syntax left out, lower-cased, every keyword
    /// tried) on paths built from keywords, near misses, separators and
    /// regex syntax.
    #[test]
    fn websocket_paths_match_the_plain_reading() {
        fn plain(path: &str) -> bool {
            path.split('/').any(|segment| {
                let lower: String = segment
                    .chars()
                    .filter(|c| !"^$\\()?*+[]".contains(*c))
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                lower.split('|').any(|alternative| {
                    KEYWORDS.iter().any(|k| {
                        alternative == *k
                            || alternative
                                .strip_prefix(k)
                                .is_some_and(|rest| rest.starts_with(['-', '_', '.']))
                            || (SUFFIX_KEYWORDS.contains(k)
                                && alternative
                                    .strip_suffix(k)
                                    .is_some_and(|rest| rest.ends_with(['-', '_', '.'])))
                    })
                })
            })
        }
        assert!(SUFFIX_KEYWORDS.iter().all(|k| KEYWORDS.contains(k)));
        let pieces = [
            "ws",
            "WS",
            "w",
            "s",
            "wss",
            "websocket",
            "Websockets",
            "socket.io",
            "sockjs",
            "hub",
            "hubs",
            "hubble",
            "cable",
            "x",
            "é",
            "-",
            "_",
            ".",
            "|",
            "/",
            "^",
            "$",
            "\\",
            "(",
            ")",
            "?",
            "*",
        ];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let path = format!("{a}{b}{c}");
                    assert_eq!(path_looks_websocket(&path), plain(&path), "{path:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, pieces.len().pow(3));
    }

    #[test]
    fn websocket_looking_paths() {
        for yes in [
            "/ws/",
            "/api/mqtt/ws/",
            "/socket.io/",
            "/app/sockjs/",
            "/websocket",
            "/cable",
            "/hubs/chat",
            "^/ws-gateway/",
            "~* ^/(ws|api)/$",
            "/graphql-ws",
            "/WS/",
        ] {
            assert!(path_looks_websocket(yes), "{yes}");
        }
        for yes in [
            "/xmpp-websocket",
            "/cryptpad_websocket",
            "/notifications/hub",
        ] {
            assert!(path_looks_websocket(yes), "{yes}");
        }
        for no in [
            "/",
            "/api/",
            "/wsdl/",
            "/news/",
            "/socket/",
            "/hubble/",
            "\\.(js|css)$",
            "/cables/",
            "/notifications/hub/negotiate",
            "/sockjs/info",
            "/ws2",
        ] {
            assert!(!path_looks_websocket(no), "{no}");
        }
    }

    /// `# nginx-wslint: websocket` on the line right above a location makes
    /// it a WebSocket location; elsewhere, or another comment, does not.
    #[test]
    fn a_marker_comment_makes_a_websocket_location() {
        let text = "http { server {
            # nginx-wslint: websocket
            location /live/ { proxy_pass http://a; }
            # nginx-wslint:   websocket
            location /live2/ { proxy_pass http://a; }
            # nginx-wslint: websocket

            location /gap/ { proxy_pass http://a; }
            # nginx-wslint: ignore=WS001
            location /other/ { proxy_pass http://a; }
            location /plain/ { proxy_pass http://a; }
        } }";
        let mut config = nginx_wslint_parser::ConfigSet::new(Default::default());
        let entry = config.add_entry_source(std::path::Path::new("t.conf"), text.into());
        let model = Model::build(&config, entry, nginx_wslint_parser::Context::Main);
        let intents: Vec<(&str, Option<Intent>)> = analyse(&model, &Settings::default())
            .iter()
            .map(|l| (l.path, l.intent))
            .collect();
        assert_eq!(
            intents,
            [
                ("/live/", Some(Intent::Comment)),
                ("/live2/", Some(Intent::Comment)),
                ("/gap/", None),
                ("/other/", None),
                ("/plain/", None),
            ]
        );
    }
}
