//! Server selection: which `server` block of an http context handles a
//! request to a port with a `Host` (`ngx_http_find_virtual_server`,
//! src/http/ngx_http_core_module.c, and the name hashes built in
//! src/http/ngx_http.c).
//!
//! Among the servers listening on the port: an exact name wins, then the
//! longest wildcard starting with `*` (or the `.example.com` form, which
//! also matches `example.com`), then the longest wildcard ending with `*`,
//! then the first matching regex in file order; otherwise the port's
//! default server (`default_server`, else the first server listening on
//! it). Names compare case-insensitively; the Host loses its port and a
//! trailing dot. A server without `listen` listens on `*:80`.

use crate::model::{BlockId, Model};
use crate::routing::regex::{CannotEvaluate, NginxRegex};

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
    /// `server_name` values, lower-cased like nginx stores them.
    pub names: Vec<String>,
    regexes: Vec<NginxRegex>,
}

impl Server {
    pub fn build(model: &Model, block: BlockId) -> Server {
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
        let names: Vec<String> = model
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
        let regexes = names
            .iter()
            .filter_map(|n| n.strip_prefix('~'))
            // ngx_http_core_server_name: caseless iff the regex has an
            // upper-case letter (the host it meets is lower case anyway).
            .map(|r| NginxRegex::new(r, r.bytes().any(|b| b.is_ascii_uppercase())))
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

/// How well a server's names match a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NameMatch {
    Regex,
    TrailingWildcard(usize),
    LeadingWildcard(usize),
    Exact,
}

/// The Host header as nginx compares it: lower case, no port, no trailing
/// dot.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn name_match(server: &Server, host: &str) -> Result<Option<NameMatch>, CannotEvaluate> {
    let mut best: Option<NameMatch> = None;
    for name in server.names.iter().filter(|n| !n.starts_with('~')) {
        let m = if name == host {
            Some(NameMatch::Exact)
        } else if let Some(suffix) = name.strip_prefix('*') {
            (host.ends_with(suffix) && host.len() > suffix.len())
                .then_some(NameMatch::LeadingWildcard(suffix.len()))
        } else if let Some(domain) = name.strip_prefix('.') {
            (host == domain || host.ends_with(name.as_str()))
                .then_some(NameMatch::LeadingWildcard(name.len()))
        } else if let Some(prefix) = name.strip_suffix('*') {
            (host.starts_with(prefix) && host.len() > prefix.len())
                .then_some(NameMatch::TrailingWildcard(prefix.len()))
        } else {
            None
        };
        best = best.max(m);
    }
    if best.is_none() {
        for regex in &server.regexes {
            if regex.is_match(host.as_bytes())? {
                return Ok(Some(NameMatch::Regex));
            }
        }
    }
    Ok(best)
}

/// Picks the server for a request to `port` with `host` (`None`: no Host
/// header) among `servers` (in file order).
pub fn select<'s>(
    servers: &'s [Server],
    port: u16,
    host: Option<&str>,
) -> Result<Option<&'s Server>, CannotEvaluate> {
    let candidates: Vec<&Server> = servers.iter().filter(|s| s.listens_on(port)).collect();
    let host = host.map(normalize_host).unwrap_or_default();
    let mut best: Option<(NameMatch, &Server)> = None;
    let mut first_regex: Option<&Server> = None;
    for &server in &candidates {
        match name_match(server, &host)? {
            Some(NameMatch::Regex) => {
                first_regex.get_or_insert(server);
            }
            Some(m) if best.is_none_or(|(b, _)| m > b) => best = Some((m, server)),
            Some(_) => {}
            None => {}
        }
    }
    if let Some((_, server)) = best {
        return Ok(Some(server));
    }
    if let Some(server) = first_regex {
        return Ok(Some(server));
    }
    let default = candidates
        .iter()
        .find(|s| s.listens.iter().any(|l| l.port == port && l.default_server))
        .or(candidates.first());
    Ok(default.copied())
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
}
