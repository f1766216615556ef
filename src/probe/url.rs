//! The probed endpoint: `ws://HOST[:PORT][/PATH][?QUERY]` or `wss://...`.

use std::fmt;

/// A parsed WebSocket URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `wss://` (or `https://`).
    pub tls: bool,
    /// The host as written, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// The request target: path and query, at least `/`.
    pub resource: String,
}

impl Target {
    /// Parses a URL; `http://` and `https://` are read as `ws://` and
    /// `wss://` (a browser's page URL pasted as is).
    pub fn parse(url: &str) -> Result<Target, String> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            format!("`{url}` is not a URL: expected ws://HOST/PATH or wss://HOST/PATH")
        })?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => false,
            "wss" | "https" => true,
            other => {
                return Err(format!(
                    "unsupported scheme `{other}://` in `{url}`: use ws:// or wss://"
                ))
            }
        };
        // The fragment is never sent.
        let rest = rest.split('#').next().unwrap_or("");
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(split);
        if authority.contains('@') {
            return Err(format!(
                "credentials in the URL are not sent by browsers' WebSocket clients; use --header 'Authorization: ...' instead (`{url}`)"
            ));
        }
        let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("unclosed `[` in `{url}`"))?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("unexpected `{p}` after the address in `{url}`"))?,
                ),
            };
            (host, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(format!("no host in `{url}`"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("invalid host `{host}` in `{url}`"));
        }
        let port = match port {
            None | Some("") => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("invalid port `{p}` in `{url}`"))?,
        };
        let resource = if resource.is_empty() {
            "/".to_string()
        } else if resource.starts_with('?') {
            format!("/{resource}")
        } else {
            resource.to_string()
        };
        if resource.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(format!(
                "the path of `{url}` contains spaces or control characters; percent-encode them"
            ));
        }
        Ok(Target {
            tls,
            host: host.to_string(),
            port,
            resource,
        })
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        let host = self.bracketed_host();
        if self.port == self.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    fn default_port(&self) -> u16 {
        if self.tls {
            443
        } else {
            80
        }
    }

    fn bracketed_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The path without the query, for `nginx-wslint route` hints.
    pub fn path(&self) -> &str {
        self.resource.split('?').next().unwrap_or("/")
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "wss" } else { "ws" };
        write!(f, "{scheme}://{}{}", self.host_header(), self.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let t = Target::parse("ws://example.org/ws/chat?room=1#x").unwrap();
        assert_eq!(
            t,
            Target {
                tls: false,
                host: "example.org".into(),
                port: 80,
                resource: "/ws/chat?room=1".into()
            }
        );
        assert_eq!(t.path(), "/ws/chat");
        assert_eq!(t.to_string(), "ws://example.org/ws/chat?room=1");
        let t = Target::parse("wss://example.org").unwrap();
        assert_eq!((t.tls, t.port, t.resource.as_str()), (true, 443, "/"));
        let t = Target::parse("https://example.org:8443?x=1").unwrap();
        assert_eq!((t.tls, t.port, t.resource.as_str()), (true, 8443, "/?x=1"));
        assert_eq!(t.host_header(), "example.org:8443");
        let t = Target::parse("ws://[::1]:9000/s").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 9000));
        assert_eq!(t.host_header(), "[::1]:9000");
        assert_eq!(t.to_string(), "ws://[::1]:9000/s");
    }

    #[test]
    fn rejects_what_is_not_a_websocket_url() {
        for bad in [
            "example.org/ws",
            "ftp://example.org/",
            "ws:///x",
            "ws://host:0/",
            "ws://host:99999/",
            "ws://host:x/",
            "ws://user:pw@host/",
            "ws://[::1/",
            "ws://host/a b",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
