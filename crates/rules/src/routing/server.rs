//! Server selection: which `server` block of an http context handles a
//! request to a port with a `Host`, as nginx 1.22 does it.
//!
//! The Host header is first checked and reduced by `ngx_http_validate_host`
//! (src/http/ngx_http_request.c): it loses a port (everything from the first
//! `:` outside a leading `[...]` literal) and one trailing dot, and is
//! lower-cased; an empty result, `..`, `/`, a space or a control character
//! make nginx answer 400 before any server is chosen (see [`validate_host`]).
//!
//! The servers listening on the port are then searched as
//! `ngx_http_find_virtual_server` does, in the tables `ngx_http_server_names`
//! (src/http/ngx_http.c) builds with `ngx_hash_add_key` (src/core/ngx_hash.c):
//!
//! 1. an exact name (a request without a Host header has the empty name,
//!    which every server without `server_name` carries);
//! 2. the most specific `*.example.com` / `.example.com` wildcard, compared
//!    label by label (`ngx_hash_find_wc_head`; `.example.com` also matches
//!    `example.com`);
//! 3. the most specific `www.example.*` wildcard (`ngx_hash_find_wc_tail`);
//! 4. the first regex, in file order, that matches the lower-cased host
//!    (never tried for an empty host);
//! 5. otherwise the port's default server (`default_server`, else the first
//!    server listening on it).
//!
//! A name that clashes with an earlier one on the port is ignored (nginx
//! warns "conflicting server name ... ignored"): see [`conflicting_names`].
//! A server without `listen` listens on `*:80` (nginx started by root; by
//! another user, `*:8000`).
//!
//! Not modelled: nginx chooses among the servers of the *address* the
//! connection arrived on, and a server on `*:P` is no candidate for a
//! connection to `127.0.0.1:P` when another server listens on
//! `127.0.0.1:P`; here every server on the port is a candidate. The host
//! in an absolute request target (`GET http://host/`) replaces the Host
//! header; a second Host header is a 400.

use crate::fast_hash::{FastMap, FastSet};

use crate::model::{BlockId, Model};
use crate::routing::regex::{CannotEvaluate, NginxRegex, RegexCache};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    pub port: u16,
    pub default_server: bool,
}

/// Reads a `listen` directive's address and flags; `None` for a UNIX
/// socket or an unreadable address.
pub fn parse_listen(args: &[&str]) -> Option<Listen> {
    let addr = *args.first()?;
    if addr.starts_with("unix:") {
        return None;
    }
    let port_text = if let Some(rest) = addr.strip_prefix('[') {
        // [v6]:port or [v6]
        let (_, after) = rest.split_once(']')?;
        after.strip_prefix(':').unwrap_or("80")
    } else if let Some((_, port)) = addr.rsplit_once(':') {
        port
    } else if addr.bytes().all(|b| b.is_ascii_digit()) {
        addr
    } else {
        "80" // a host name or address without a port
    };
    let port = port_text.parse().ok()?;
    let default_server = args[1..]
        .iter()
        .any(|a| *a == "default_server" || *a == "default");
    Some(Listen {
        port,
        default_server,
    })
}

#[derive(Debug)]
pub struct Server {
    pub block: BlockId,
    pub listens: Vec<Listen>,
    /// `server_name` values in order, lower-cased like nginx stores them
    /// (regexes, starting with `~`, as written). A server without
    /// `server_name` has the one name `""` (`ngx_http_core_merge_srv_conf`).
    pub names: Vec<String>,
    /// The regex names, in order.
    regexes: Vec<NginxRegex>,
}

impl Server {
    pub fn build(model: &Model, block: BlockId, regexes: &mut RegexCache) -> Server {
        let mut listens: Vec<Listen> = model
            .directives_named(block, "listen")
            .filter_map(|d| parse_listen(&model.args(d)))
            .collect();
        if model.directives_named(block, "listen").next().is_none() {
            listens.push(Listen {
                port: 80,
                default_server: false,
            });
        }
        let mut names: Vec<String> = model
            .directives_named(block, "server_name")
            .flat_map(|d| model.args(d))
            .map(|n| {
                if n.starts_with('~') {
                    n.to_string()
                } else {
                    n.to_ascii_lowercase()
                }
            })
            .collect();
        if names.is_empty() {
            names.push(String::new());
        }
        let regexes = names
            .iter()
            .filter_map(|n| n.strip_prefix('~'))
            // ngx_http_core_server_name: caseless iff the regex has an
            // upper-case letter (the host it meets is lower case anyway).
            .map(|r| NginxRegex::cached(r, r.bytes().any(|b| b.is_ascii_uppercase()), regexes))
            .collect();
        Server {
            block,
            listens,
            names,
            regexes,
        }
    }

    pub fn listens_on(&self, port: u16) -> bool {
        self.listens.iter().any(|l| l.port == port)
    }
}

/// Why nginx rejects a Host header with 400 (`ngx_http_validate_host`,
/// "client sent invalid host header").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidHost {
    /// Nothing is left once the port and a trailing dot are removed.
    Empty,
    /// Two dots in a row (anywhere, port included).
    ConsecutiveDots,
    /// A `/`, which could turn the host into a path.
    Slash,
    /// A space or an ASCII control character (tab, DEL, NUL, ...).
    Control,
}

impl std::fmt::Display for InvalidHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InvalidHost::Empty => "the host is empty",
            InvalidHost::ConsecutiveDots => "the host has two dots in a row",
            InvalidHost::Slash => "the host has a slash",
            InvalidHost::Control => "the host has a space or a control character",
        })
    }
}

/// The host nginx looks servers up with, from a Host header value (without
/// the leading and trailing spaces nginx's header parser drops), or why
/// nginx answers 400: `ngx_http_validate_host` of nginx 1.22.
///
/// The host ends at the first `:` unless it starts with `[` (an IPv6
/// literal, which then ends after its `]`). One trailing dot is dropped only
/// when the last dot of the *whole value* ends the host (so
/// `example.com.:80` becomes `example.com`, but `example.com.:8.0` keeps its
/// dot). Upper-case ASCII letters are lowered; other bytes pass.
pub fn validate_host(host: &str) -> Result<String, InvalidHost> {
    let bytes = host.as_bytes();
    #[derive(PartialEq)]
    enum State {
        Usual,
        Literal,
        Rest,
    }
    let mut state = State::Usual;
    let mut dot_pos: Option<usize> = None;
    let mut host_len = bytes.len();
    for (i, &ch) in bytes.iter().enumerate() {
        match ch {
            b'.' => {
                if i > 0 && dot_pos == Some(i - 1) {
                    return Err(InvalidHost::ConsecutiveDots);
                }
                dot_pos = Some(i);
            }
            b':' if state == State::Usual => {
                host_len = i;
                state = State::Rest;
            }
            b'[' if i == 0 => state = State::Literal,
            b']' if state == State::Literal => {
                host_len = i + 1;
                state = State::Rest;
            }
            b'/' => return Err(InvalidHost::Slash),
            0..=0x20 | 0x7f => return Err(InvalidHost::Control),
            _ => {}
        }
    }
    if host_len > 0 && dot_pos == Some(host_len - 1) {
        host_len -= 1;
    }
    if host_len == 0 {
        return Err(InvalidHost::Empty);
    }
    Ok(host[..host_len].to_ascii_lowercase())
}

/// The Host header as nginx compares it: [`validate_host`]'s answer, or for
/// a Host nginx rejects, the value lower-cased.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim_matches(' ');
    validate_host(host).unwrap_or_else(|_| host.to_ascii_lowercase())
}

/// What nginx does with a request to a port.
#[derive(Debug, Clone, Copy)]
pub enum Selected<'s> {
    /// The server that handles the request (`None` when no server listens
    /// on the port) and the rule that chose it.
    Server {
        server: Option<&'s Server>,
        by: MatchedBy<'s>,
    },
    /// nginx rejects the Host header with 400 before choosing a server
    /// (`ngx_http_process_host`); the port's default server sends the 400.
    InvalidHost {
        reason: InvalidHost,
        default: Option<&'s Server>,
    },
}

/// Which rule of `ngx_http_find_virtual_server` chose a server, with the
/// `server_name` value that matched (lower case; regexes with their `~`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy<'s> {
    /// An exact name (`""` for a request without Host).
    Exact(&'s str),
    /// The most specific `*.example.com` or `.example.com`.
    HeadWildcard(&'s str),
    /// The most specific `www.example.*`.
    TailWildcard(&'s str),
    /// The first matching regex.
    Regex(&'s str),
    /// No name matched (or the port has a single server, which nginx does
    /// not search): the default server.
    Default,
}

/// A server name as `ngx_hash_add_key` files it.
enum NameKind<'n> {
    Exact(&'n str),
    /// `*.example.com` (`bare`: false) or `.example.com` (`bare`: true,
    /// also `example.com`), by the part after the wildcard.
    Head {
        base: &'n str,
        bare: bool,
    },
    /// `www.example.*`, by the part before `.*`.
    Tail(&'n str),
    /// A name nginx refuses ("invalid server name or wildcard").
    Invalid,
}

fn name_kind(name: &str) -> NameKind<'_> {
    let stars = name.bytes().filter(|&b| b == b'*').count();
    if stars > 1 || name.contains("..") {
        return NameKind::Invalid;
    }
    if name.len() > 1 && name.starts_with('.') {
        NameKind::Head {
            base: &name[1..],
            bare: true,
        }
    } else if name.len() > 2 && name.starts_with("*.") {
        NameKind::Head {
            base: &name[2..],
            bare: false,
        }
    } else if name.len() > 2 && name.ends_with(".*") {
        NameKind::Tail(&name[..name.len() - 2])
    } else if stars > 0 {
        NameKind::Invalid
    } else {
        NameKind::Exact(name)
    }
}

/// The name tables of the servers listening on a port, as
/// `ngx_http_server_names` builds them (servers and names in file order).
struct VirtualNames<'s> {
    exact: FastMap<&'s str, &'s Server>,
    /// (base, bare, server, the name as written)
    head: Vec<(&'s str, bool, &'s Server, &'s str)>,
    /// (prefix, server, the name as written)
    tail: Vec<(&'s str, &'s Server, &'s str)>,
    regexes: Vec<(&'s NginxRegex, &'s Server, &'s str)>,
    /// Names ignored as "conflicting server name".
    conflicts: Vec<(&'s Server, &'s str)>,
}

impl<'s> VirtualNames<'s> {
    fn build(candidates: &[&'s Server]) -> VirtualNames<'s> {
        let mut names = VirtualNames {
            exact: FastMap::default(),
            head: Vec::new(),
            tail: Vec::new(),
            regexes: Vec::new(),
            conflicts: Vec::new(),
        };
        // ngx_hash_add_key's conflict sets: keys_hash (exact names, and the
        // bare name of every `.example.com` that got that far),
        // dns_wc_head_hash and dns_wc_tail_hash.
        let mut exact_taken: FastSet<&str> = FastSet::default();
        let mut head_taken: FastSet<&str> = FastSet::default();
        let mut tail_taken: FastSet<&str> = FastSet::default();
        for &server in candidates {
            let mut regexes = server.regexes.iter();
            for name in &server.names {
                if name.starts_with('~') {
                    if let Some(regex) = regexes.next() {
                        names.regexes.push((regex, server, name));
                    }
                    continue;
                }
                let added = match name_kind(name) {
                    NameKind::Exact(n) => {
                        let added = exact_taken.insert(n);
                        if added {
                            names.exact.insert(n, server);
                        }
                        added
                    }
                    NameKind::Head { base, bare } => {
                        // `.example.com` first claims `example.com` in the
                        // exact set, and keeps that claim even when the
                        // wildcard itself then conflicts.
                        let added = (!bare || exact_taken.insert(base)) && head_taken.insert(base);
                        if added {
                            names.head.push((base, bare, server, name));
                        }
                        added
                    }
                    NameKind::Tail(prefix) => {
                        let added = tail_taken.insert(prefix);
                        if added {
                            names.tail.push((prefix, server, name));
                        }
                        added
                    }
                    NameKind::Invalid => true,
                };
                if !added {
                    names.conflicts.push((server, name));
                }
            }
        }
        names
    }

    /// `ngx_hash_find_combined`, then the regexes.
    fn find(&self, host: &str) -> Result<Option<(&'s Server, MatchedBy<'s>)>, CannotEvaluate> {
        if let Some((&name, &server)) = self.exact.get_key_value(host) {
            return Ok(Some((server, MatchedBy::Exact(name))));
        }
        if host.is_empty() {
            return Ok(None);
        }
        // ngx_hash_find_wc_head walks the labels from the right and keeps the
        // deepest wildcard: the longest base that is the host, or a suffix
        // after a dot.
        let head = self
            .head
            .iter()
            .filter(|(base, bare, _, _)| {
                (*bare && host == *base)
                    || host
                        .strip_suffix(base)
                        .is_some_and(|rest| rest.ends_with('.'))
            })
            .max_by_key(|(base, _, _, _)| base.len());
        if let Some(&(_, _, server, name)) = head {
            return Ok(Some((server, MatchedBy::HeadWildcard(name))));
        }
        // ngx_hash_find_wc_tail: the longest prefix followed by a dot.
        let tail = self
            .tail
            .iter()
            .filter(|(prefix, _, _)| {
                host.strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
            .max_by_key(|(prefix, _, _)| prefix.len());
        if let Some(&(_, server, name)) = tail {
            return Ok(Some((server, MatchedBy::TailWildcard(name))));
        }
        for &(regex, server, name) in &self.regexes {
            if regex.is_match(host.as_bytes())? {
                return Ok(Some((server, MatchedBy::Regex(name))));
            }
        }
        Ok(None)
    }
}

fn candidates(servers: &[Server], port: u16) -> Vec<&Server> {
    servers.iter().filter(|s| s.listens_on(port)).collect()
}

fn default_server<'s>(candidates: &[&'s Server], port: u16) -> Option<&'s Server> {
    candidates
        .iter()
        .find(|s| s.listens.iter().any(|l| l.port == port && l.default_server))
        .or(candidates.first())
        .copied()
}

/// Picks the server for a request to `port` with the Host header `host`
/// (`None`: an HTTP/1.0 request without one; an HTTP/1.1 request without
/// one is a 400 nginx sends before this) among `servers` (in file order),
/// and tells a Host nginx rejects.
pub fn select_checked<'s>(
    servers: &'s [Server],
    port: u16,
    host: Option<&str>,
) -> Result<Selected<'s>, CannotEvaluate> {
    let candidates = candidates(servers, port);
    let default = default_server(&candidates, port);
    // ngx_http_parse_header_line drops the spaces (not tabs) around a value.
    let host = match host.map(|h| validate_host(h.trim_matches(' '))) {
        None => String::new(),
        Some(Ok(host)) => host,
        Some(Err(reason)) => return Ok(Selected::InvalidHost { reason, default }),
    };
    // ngx_http_optimize_servers builds no name tables for a lone server.
    if candidates.len() <= 1 {
        return Ok(Selected::Server {
            server: default,
            by: MatchedBy::Default,
        });
    }
    let found = VirtualNames::build(&candidates).find(&host)?;
    Ok(match found {
        Some((server, by)) => Selected::Server {
            server: Some(server),
            by,
        },
        None => Selected::Server {
            server: default,
            by: MatchedBy::Default,
        },
    })
}

/// Picks the server for a request to `port` with the Host header `host`
/// (`None`: no Host header) among `servers` (in file order); `None` when no
/// server listens on the port.
///
/// A Host nginx rejects ([`validate_host`]) yields the port's default
/// server, which is the one that answers nginx's 400; use
/// [`select_checked`] to tell that case apart.
pub fn select<'s>(
    servers: &'s [Server],
    port: u16,
    host: Option<&str>,
) -> Result<Option<&'s Server>, CannotEvaluate> {
    Ok(match select_checked(servers, port, host)? {
        Selected::Server { server, .. } => server,
        Selected::InvalidHost { default, .. } => default,
    })
}

/// The names nginx ignores on `port` because an earlier name (of the same
/// or an earlier server) already claims them — nginx warns `conflicting
/// server name "NAME" on ADDRESS, ignored` — with their server, in order.
/// `example.com` conflicts with an earlier `.example.com`, `.example.com`
/// with an earlier `example.com`, `*.example.com` or `.example.com`.
pub fn conflicting_names(servers: &[Server], port: u16) -> Vec<(BlockId, String)> {
    let candidates = candidates(servers, port);
    if candidates.len() <= 1 {
        // No tables, no check: a lone server's duplicates are not reported.
        return Vec::new();
    }
    VirtualNames::build(&candidates)
        .conflicts
        .into_iter()
        .map(|(server, name)| (server.block, name.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        let port = |args: &[&str]| parse_listen(args).map(|l| (l.port, l.default_server));
        assert_eq!(port(&["80"]), Some((80, false)));
        assert_eq!(
            port(&["127.0.0.1:8080", "default_server"]),
            Some((8080, true))
        );
        assert_eq!(port(&["[::]:443", "ssl"]), Some((443, false)));
        assert_eq!(port(&["[::1]"]), Some((80, false)));
        assert_eq!(port(&["localhost"]), Some((80, false)));
        assert_eq!(port(&["*:8000", "default"]), Some((8000, true)));
        assert_eq!(port(&["unix:/run/x.sock"]), None);
    }

    #[test]
    fn hosts_are_compared_like_nginx() {
        assert_eq!(normalize_host("Example.COM:8080"), "example.com");
        assert_eq!(normalize_host("example.com."), "example.com");
        assert_eq!(normalize_host("[::1]:80"), "[::1]");
    }

    #[test]
    fn hosts_are_validated_like_nginx() {
        let v = |h: &str| validate_host(h);
        assert_eq!(v("example.com.:80").as_deref(), Ok("example.com"));
        assert_eq!(v("example.com.:8.0").as_deref(), Ok("example.com."));
        assert_eq!(v("a:b:c").as_deref(), Ok("a"));
        assert_eq!(v("[::1"), Ok("[::1".into()));
        assert_eq!(v(".example.com").as_deref(), Ok(".example.com"));
        assert_eq!(v(""), Err(InvalidHost::Empty));
        assert_eq!(v("."), Err(InvalidHost::Empty));
        assert_eq!(v(":80"), Err(InvalidHost::Empty));
        assert_eq!(v("a..b"), Err(InvalidHost::ConsecutiveDots));
        assert_eq!(v("a:1..2"), Err(InvalidHost::ConsecutiveDots));
        assert_eq!(v("a/b"), Err(InvalidHost::Slash));
        assert_eq!(v("a\0b"), Err(InvalidHost::Control));
        assert_eq!(v("a b"), Err(InvalidHost::Control));
        assert_eq!(v("a\x7f"), Err(InvalidHost::Control));
        assert_eq!(v("\u{c4}.example").as_deref(), Ok("\u{c4}.example"));
    }
}
