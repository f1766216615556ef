//! What a `*_pass` directive points at, and whether its host name is
//! resolved only when nginx starts (`ngx_http_proxy_pass`,
//! `ngx_parse_url`; reference §5).

use std::borrow::Cow;

use crate::model::variables::references_variables;
use crate::model::{ascii_lowercase, byte_set, BlockId, Model};

/// A parsed `proxy_pass` (or other `*_pass`) URL, borrowing from the
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassUrl<'v> {
    /// Lower-cased scheme (`http`, `https`, `ws`, ...); empty when none.
    pub scheme: Cow<'v, str>,
    /// The host as written (may hold variables); the socket path for
    /// `unix:`.
    pub host: &'v str,
    pub port: Option<&'v str>,
    /// The URI part, from its leading `/` (`None` when absent).
    pub uri: Option<&'v str>,
    pub unix: bool,
    /// Whether the whole value uses variables (nginx then evaluates it per
    /// request).
    pub has_variables: bool,
}

/// Splits a pass URL: `scheme://host[:port][/uri]`, `scheme://unix:/path[:/uri]`,
/// `scheme://[v6]:port/uri`, or a bare `host:port` (fastcgi, uwsgi, grpc
/// without scheme).
pub fn parse_pass_url(value: &str) -> PassUrl<'_> {
    // Byte scans throughout: every rule about `*_pass` splits these short
    // values, and `str` searches (`find`, `rsplit_once`, comparing windows)
    // set up more per call than scanning a few dozen bytes costs.
    let bytes = value.as_bytes();
    // One pass finds both the first `://` and whether a `$` occurs (a pass
    // each cost WS008 a tenth of its time at 1 MB).
    let mut dollar = false;
    let mut separator = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'$' => dollar = true,
            b':' if separator.is_none() && bytes.get(i + 1..i + 3) == Some(b"//") => {
                separator = Some(i);
            }
            _ => {}
        }
    }
    let has_variables = dollar && references_variables(value);
    let (scheme, rest) = match separator {
        Some(i) => (ascii_lowercase(&value[..i]), &value[i + 3..]),
        None => (Cow::Borrowed(""), value),
    };
    if let Some(path) = rest.strip_prefix("unix:") {
        let (socket, uri) = match path.find(":/") {
            Some(i) => (&path[..i], Some(&path[i + 1..])),
            None => (path, None),
        };
        return PassUrl {
            scheme,
            host: socket,
            port: None,
            uri,
            unix: true,
            has_variables,
        };
    }
    let (authority, uri) = match rest.bytes().position(|b| b == b'/') {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let (host, port) = if authority.starts_with('[') {
        match authority.bytes().position(|b| b == b']') {
            Some(end) => (&authority[..=end], authority[end + 1..].strip_prefix(':')),
            None => (authority, None),
        }
    } else {
        match authority.bytes().rposition(|b| b == b':') {
            Some(i)
                if i + 1 < authority.len()
                    && authority.as_bytes()[i + 1..].iter().all(u8::is_ascii_digit) =>
            {
                (&authority[..i], Some(&authority[i + 1..]))
            }
            _ => (authority, None),
        }
    };
    PassUrl {
        scheme,
        host,
        port,
        uri,
        unix: false,
        has_variables,
    }
}

/// What the host of a pass URL is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKind {
    /// The host (or whole URL) comes from variables, resolved per request.
    Variable,
    Unix,
    /// An IPv4 or IPv6 literal: no DNS.
    Ip,
    /// `localhost`: resolved from /etc/hosts, not a moving target.
    Localhost,
    /// The name of an `upstream {}` block.
    Upstream(BlockId),
    /// A host name nginx resolves once, at start or reload (and `nginx -t`
    /// fails when it does not resolve).
    StaticName,
    /// A template placeholder (`%%PORT%%`, `<host>`, `{name}`, `:port`),
    /// not something nginx would run.
    Placeholder,
}

/// Classifies a pass URL's host against the configuration's upstreams.
pub fn host_kind(model: &Model, url: &PassUrl) -> HostKind {
    if url.unix {
        return HostKind::Unix;
    }
    // Any variable makes nginx evaluate the whole URL per request and
    // resolve its host then (upstream names first, else the resolver).
    if url.has_variables || url.host.is_empty() {
        return HostKind::Variable;
    }
    let host = url.host;
    if is_placeholder(url) {
        return HostKind::Placeholder;
    }
    if host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return HostKind::Ip;
    }
    if host.eq_ignore_ascii_case("localhost") {
        return HostKind::Localhost;
    }
    // nginx matches upstream names case-insensitively (ngx_http_upstream_add).
    if let Some(block) = upstream_named(model, host) {
        return HostKind::Upstream(block);
    }
    HostKind::StaticName
}

/// Whether a pass URL is a template placeholder rather than an address:
/// template markers in the authority, or a port that is not a number.
fn is_placeholder(url: &PassUrl) -> bool {
    let host = url.host.as_bytes();
    // One pass over the host with a table (a pass per test cost WS008 a
    // fifth of its time at 1 MB); a `:` counts outside an IPv6 literal.
    let marks = if host.starts_with(b"[") {
        &TEMPLATE_MARKS
    } else {
        &TEMPLATE_MARKS_OR_COLON
    };
    host.iter().any(|&b| marks[usize::from(b)])
}

/// The bytes that make a host a placeholder: template markers.
static TEMPLATE_MARKS: [bool; 256] = byte_set(b"%<>{}");
/// The same, and a `:` (a host with a port that is not a number).
static TEMPLATE_MARKS_OR_COLON: [bool; 256] = byte_set(b"%<>{}:");

/// Classifies the host of an upstream `server` line: nginx resolves it as
/// a name even when an `upstream` has the same name.
pub fn server_host_kind(model: &Model, url: &PassUrl) -> HostKind {
    match host_kind(model, url) {
        HostKind::Upstream(_) => HostKind::StaticName,
        other => other,
    }
}

/// The `upstream` block named `name` (in http or stream).
pub fn upstream_named(model: &Model, name: &str) -> Option<BlockId> {
    model.upstream(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_hosts_against_upstreams() {
        let mut config =
            nginx_wslint_parser::ConfigSet::new(nginx_wslint_parser::LoadOptions::default());
        let entry = config.add_entry_source(
            std::path::Path::new("t.conf"),
            b"http { upstream Backend { zone be 64k; server app:3000 resolve; server 10.0.0.1; } }"
                .to_vec(),
        );
        let model = Model::build(&config, entry, nginx_wslint_parser::Context::Main);
        let kind = |v: &str| host_kind(&model, &parse_pass_url(v));
        assert!(
            matches!(kind("http://backend"), HostKind::Upstream(_)),
            "upstream names are case-insensitive"
        );
        assert_eq!(kind("http://app:3000"), HostKind::StaticName);
        assert_eq!(kind("http://127.0.0.1:3000"), HostKind::Ip);
        assert_eq!(kind("http://[::1]"), HostKind::Ip);
        for template in [
            "http://<backend>",
            "http://%HOST%",
            "http://{{host}}:80",
            "http://app:port",
        ] {
            assert_eq!(kind(template), HostKind::Placeholder, "{template}");
        }
        assert_eq!(kind("http://LocalHost:80"), HostKind::Localhost);
        assert_eq!(kind("http://unix:/run/a.sock"), HostKind::Unix);
        assert_eq!(kind("http://$backend"), HostKind::Variable);
        assert_eq!(kind("$target"), HostKind::Variable);
        assert_eq!(
            kind("http://app:3000$request_uri"),
            HostKind::Variable,
            "any variable: resolved per request"
        );
        let upstream = upstream_named(&model, "backend").unwrap();
        let servers: Vec<_> = upstream_servers(&model, upstream).collect();
        assert_eq!(servers.len(), 2);
        assert!(servers[0].resolve(&model) && !servers[1].resolve(&model));
        assert!(resolved_only_at_start(&model, &servers[0].url));
        assert!(!resolved_only_at_start(&model, &servers[1].url));
    }

    #[test]
    fn splits_pass_urls() {
        let u = parse_pass_url("http://app:3000/api/");
        assert_eq!(
            (&*u.scheme, u.host, u.port, u.uri),
            ("http", "app", Some("3000"), Some("/api/"))
        );
        let u = parse_pass_url("http://backend");
        assert_eq!((u.host, u.port, u.uri), ("backend", None, None));
        let u = parse_pass_url("http://[::1]:8080");
        assert_eq!((u.host, u.port), ("[::1]", Some("8080")));
        let u = parse_pass_url("http://unix:/run/app.sock:/ws/");
        assert!(u.unix);
        assert_eq!((u.host, u.uri), ("/run/app.sock", Some("/ws/")));
        let u = parse_pass_url("$upstream_url");
        assert!(u.has_variables);
        let u = parse_pass_url("WS://chat:80");
        assert_eq!(u.scheme, "ws");
        let u = parse_pass_url("127.0.0.1:9000");
        assert_eq!(
            (&*u.scheme, u.host, u.port),
            ("", "127.0.0.1", Some("9000"))
        );
    }
}

/// One `server` line of an `upstream` block.
#[derive(Debug, Clone)]
pub struct UpstreamServer<'a> {
    pub directive: crate::model::DirRef<'a>,
    pub url: PassUrl<'a>,
}

impl UpstreamServer<'_> {
    /// Has the `resolve` parameter (re-resolved at run time, 1.27.3+ in
    /// open source; needs a `zone` and a resolver). Read on demand: most
    /// servers are addresses, and their parameters need no reading.
    pub fn resolve(&self, model: &Model) -> bool {
        let d = self.directive;
        model
            .file(d.file)
            .arg_values(d.directive)
            .skip(1)
            .any(|a| a == "resolve")
    }
}

/// The `server` lines of an `upstream` block.
pub fn upstream_servers<'m, 'a>(
    model: &'m Model<'a>,
    upstream: BlockId,
) -> impl Iterator<Item = UpstreamServer<'a>> + 'm {
    // Both http and stream upstreams hold `server host[:port] ...` lines.
    model
        .directives_named(upstream, "server")
        .map(|d| UpstreamServer {
            directive: d,
            url: parse_pass_url(model.arg(d, 0).unwrap_or("")),
        })
}

/// Whether nginx resolves `url`'s host only when it starts or reloads: a
/// host name that is not an IP, not `localhost`, not a UNIX socket, not an
/// `upstream` name and not built from variables.
pub fn resolved_only_at_start(model: &Model, url: &PassUrl) -> bool {
    host_kind(model, url) == HostKind::StaticName
}
