//! What a failed probe means, especially behind nginx, and which rule
//! (`nginx-wslint rule WSxxx`) covers the configuration mistake.

use serde::Serialize;

use super::handshake::{truncate, Response};
use super::url::Target;

/// The probe's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    /// `ok`, `dns`, `tcp-refused`, `tcp-timeout`, `tcp-error`, `tls`,
    /// `no-response`, `http-status`, `no-upgrade`, `bad-handshake`,
    /// `bad-accept`, `closed`, `idle-closed`, `idle-dead`, `no-pong`,
    /// `protocol-error`.
    pub kind: &'static str,
    pub message: String,
    /// The rule that covers the likely cause, when the cause points at
    /// nginx's configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// Every related rule, `rule` first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<&'static str>,
    /// The HTTP status that answered the upgrade instead of 101.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The WebSocket close code (1006 when the connection ended without a
    /// close frame).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_code: Option<u16>,
    /// For `idle-closed`: when the connection closed, in milliseconds since
    /// the idle hold began (right after the echo, the last data the server
    /// sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_ms: Option<u64>,
}

impl Classification {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Classification {
        Classification {
            kind,
            message: message.into(),
            rule: None,
            rules: Vec::new(),
            status: None,
            close_code: None,
            after_ms: None,
        }
    }

    fn rules(mut self, rules: &[&'static str]) -> Classification {
        self.rule = rules.first().copied();
        self.rules = rules.to_vec();
        self
    }

    pub fn is_ok(&self) -> bool {
        self.kind == "ok"
    }
}

/// Where an HTTP answer came from, as far as it shows.
pub struct Origin {
    /// The `Server` header says nginx (nginx replaces a proxied server's
    /// `Server` header with its own).
    pub behind_nginx: bool,
    /// The body is one of nginx's own error pages.
    pub nginx_page: bool,
    /// What the body says, shortened (an HTML page's title).
    pub says: Option<String>,
}

impl Origin {
    pub fn of(response: &Response, body: &[u8]) -> Origin {
        let server = response.header("Server").unwrap_or("").to_ascii_lowercase();
        let text = String::from_utf8_lossy(body);
        let nginx_page = text.contains("<center>nginx") || text.contains("<center>openresty");
        let behind_nginx =
            nginx_page || server.starts_with("nginx") || server.starts_with("openresty");
        let says = body_summary(&text);
        Origin {
            behind_nginx,
            nginx_page,
            says,
        }
    }

    /// "from nginx/1.22.1 itself" / "from the server behind nginx/1.22.1"
    /// / ...
    pub fn source(&self, response: &Response) -> String {
        let server = response.header("Server").unwrap_or("");
        if self.nginx_page {
            format!(
                "from {} itself",
                if server.is_empty() { "nginx" } else { server }
            )
        } else if self.behind_nginx {
            format!("from the server behind {server}")
        } else if server.is_empty() {
            "from the server".to_string()
        } else {
            format!("from {server}")
        }
    }

    /// The source and, unless nginx wrote the page, what the body says.
    pub fn describe(&self, response: &Response) -> String {
        let from = self.source(response);
        match &self.says {
            Some(says) if !self.nginx_page => format!("{from}: \"{says}\""),
            _ => from,
        }
    }
}

/// The first informative line of a body: an HTML page's `<title>` or
/// `<h1>`, else its first non-empty line.
fn body_summary(text: &str) -> Option<String> {
    for tag in ["title", "h1"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let lower = text.to_ascii_lowercase();
        if let Some(start) = lower.find(&open) {
            let start = start + open.len();
            if let Some(len) = lower[start..].find(&close) {
                let inner = text[start..start + len].trim();
                if !inner.is_empty() {
                    return Some(truncate(inner, 160));
                }
            }
        }
    }
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('<'))
        .map(|l| truncate(l, 160))
}

/// An HTTP status instead of `101 Switching Protocols`.
pub fn http_status(target: &Target, response: &Response, origin: &Origin) -> Classification {
    let status = response.status;
    let route_hint = format!(
        "`nginx-wslint route CONFIG {} --host {}` shows which block handles it",
        target.path(),
        target.host
    );
    let (kind, message, rules): (&'static str, String, &[&'static str]) = match status {
        200..=299 => (
            "no-upgrade",
            format!(
                "{status} instead of 101: the request reached a handler that served it as a plain HTTP request. Behind nginx the usual cause is that the Upgrade and Connection headers were stripped on the way (nginx drops them unless `proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;`) — see WS001, WS002; or the path is served by a page or a frontend's index.html instead of the WebSocket backend ({route_hint})"
            ),
            &["WS001", "WS002"],
        ),
        301 | 302 | 303 | 307 | 308 => {
            let to = response.header("Location").unwrap_or("(no Location)");
            (
                "http-status",
                format!(
                    "{status} redirect to {to}: WebSocket clients do not follow redirects; probe that URL. Behind nginx, a `location /path/` with proxy_pass answers `/path` with a 301 to `/path/`, and an http→https redirect means the endpoint is wss://"
                ),
                &[],
            )
        }
        400 if origin.nginx_page => {
            let says = origin.says.as_deref().unwrap_or("");
            let message = if says.contains("plain HTTP request was sent to HTTPS port") {
                format!("400 from nginx itself: \"{says}\": this port speaks TLS; use wss://")
            } else {
                format!("400 Bad Request from nginx itself (\"{says}\"): nginx rejected the request before proxying it (a malformed Host, header or URI, or headers larger than large_client_header_buffers)")
            };
            ("http-status", message, &[])
        }
        400 => (
            "http-status",
            format!(
                "400 Bad Request {}: the WebSocket server rejected the handshake because it did not arrive intact. Behind nginx the usual cause is an upstream request in HTTP/1.0 (nginx proxies with HTTP/1.0 unless `proxy_http_version 1.1`) — see WS003 — or without the Upgrade/Connection headers (WS001, WS002). A WSGI server (gunicorn, uWSGI, Flask without a WebSocket worker) or Socket.IO (which expects `?EIO=4&transport=websocket`) also answers 400 to an upgrade it cannot serve",
                origin.source(response)
            ),
            &["WS003", "WS001", "WS002"],
        ),
        401 => (
            "http-status",
            format!(
                "401 Unauthorized {}: the endpoint wants credentials; pass what the real client sends with --header (`Authorization: ...`, `Cookie: ...`). Behind nginx, `auth_basic` or `auth_request` may cover the WebSocket location",
                origin.source(response)
            ),
            &[],
        ),
        403 if origin.nginx_page => (
            "http-status",
            "403 Forbidden from nginx itself: an `allow`/`deny` rule, `limit_except`, `valid_referers` or an `if` that returns 403 covers this location (or it serves a directory without an index); retry with --origin if the rule checks the Origin header".to_string(),
            &[],
        ),
        403 => (
            "http-status",
            format!(
                "403 Forbidden {}: most often the application's Origin check (Django's ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS, Socket.IO's cors_allowed_origins, an allowed-origins list); browsers always send Origin, so retry with --origin set to the page's origin. Behind nginx, check that `proxy_set_header Host $host` passes the name the application expects",
                origin.source(response)
            ),
            &[],
        ),
        404 if origin.nginx_page => (
            "http-status",
            format!(
                "404 Not Found from nginx itself: no location proxies this path, so it fell to a location that serves files (or a regex location captured it first) — see WS007; {route_hint}"
            ),
            &["WS007"],
        ),
        404 => (
            "http-status",
            format!(
                "404 Not Found {}: the application has no WebSocket route at this path. A WSGI server (gunicorn, uWSGI, Django's runserver without Channels/ASGI) answers upgrades with 404; or nginx changed the path on the way: a `proxy_pass` with a URI part replaces the matched location prefix. Check the application's routing (Channels' URLRouter, the ASGI server it runs on) and {route_hint}",
                origin.source(response)
            ),
            &[],
        ),
        405 => (
            "http-status",
            format!(
                "405 Method Not Allowed {}: the handshake is a GET; the route only accepts other methods",
                origin.source(response)
            ),
            &[],
        ),
        426 => (
            "http-status",
            format!(
                "426 Upgrade Required {}: the WebSocket server received the request without the upgrade. Behind nginx the Upgrade and Connection headers are not forwarded — nginx drops these hop-by-hop headers unless `proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;` — see WS001, WS002; one `proxy_set_header` in a location also drops every inherited one (WS009)",
                origin.source(response)
            ),
            &["WS001", "WS002", "WS009"],
        ),
        500 => (
            "http-status",
            format!(
                "500 Internal Server Error {}: the application failed while handling the handshake; its log says why (for Django Channels: an exception in connect(), or a missing ASGI application or channel layer)",
                origin.source(response)
            ),
            &[],
        ),
        502 => (
            "http-status",
            format!(
                "502 Bad Gateway {}: nginx could not get an answer from the backend — it is down or does not listen on the proxied address, or its name resolved to a stale address (nginx resolves a proxied name once at start unless a `resolver` and a variable or `resolve` are used) — see WS008, WS012. nginx's error.log says which: connect() failed, no live upstreams, or could not be resolved",
                origin.source(response)
            ),
            &["WS008", "WS012"],
        ),
        503 => (
            "http-status",
            format!(
                "503 Service Unavailable {}: limit_conn or limit_req rejected the connection, every upstream server is marked down, or the application is overloaded or in maintenance",
                origin.source(response)
            ),
            &[],
        ),
        504 => (
            "http-status",
            format!(
                "504 Gateway Timeout {}: nginx gave up waiting for the backend's answer to the handshake. `proxy_read_timeout 0` makes nginx time out at once (see WS014); otherwise the backend accepted the connection and never answered (a blocked WSGI worker, a full worker pool)",
                origin.source(response)
            ),
            &["WS014", "WS006"],
        ),
        505 => (
            "http-status",
            format!(
                "505 HTTP Version Not Supported {}: the WebSocket server received the upgrade over HTTP/1.0. nginx proxies with HTTP/1.0 unless `proxy_http_version 1.1` (the default only from nginx 1.29.7) — see WS003",
                origin.source(response)
            ),
            &["WS003"],
        ),
        _ => (
            "http-status",
            format!(
                "{} instead of 101 Switching Protocols {}",
                response.status_line(),
                origin.source(response)
            ),
            &[],
        ),
    };
    let mut c = Classification::new(kind, message).rules(rules);
    c.status = Some(status);
    c
}

/// What a close code usually means.
pub fn close_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure: the server ended the connection on purpose (an application that closes after an unexpected message, or after authentication failed)",
        1001 => "going away: the server is shutting down or restarting (a deploy, a reload of the backend)",
        1002 => "protocol error: the server found a frame it does not accept",
        1003 => "unsupported data: the server does not accept this kind of message (text or binary)",
        1005 => "no status code in the close frame",
        1006 => "abnormal closure: the TCP connection ended without a close frame — a proxy or load balancer timeout, a crashed backend, or a network cut",
        1007 => "invalid payload data: a message was not valid for its type (text that is not UTF-8)",
        1008 => "policy violation: the application refused the connection (authentication, origin or permission checks)",
        1009 => "message too big for the server",
        1010 => "the server did not negotiate an extension the client required",
        1011 => "internal server error: the application's handler raised an exception (for Django Channels: an error in the consumer, or no channel layer configured) — its log says which",
        1012 => "service restart: the server is restarting",
        1013 => "try again later: the server is overloaded",
        1014 => "bad gateway: a gateway in between got an invalid answer from its upstream",
        1015 => "TLS handshake failure",
        3000..=3999 => match code {
            3000 => "unauthorized (registered code 3000)",
            3003 => "forbidden (registered code 3003)",
            3008 => "timeout (registered code 3008)",
            _ => "a code registered with IANA by a library or framework",
        },
        4000..=4999 => "an application-defined code: its meaning is in the application's code (many use 4001/4003 for unauthorized/forbidden)",
        _ => "a code outside the ranges RFC 6455 allows",
    }
}

/// The connection closed right after the handshake or during the echo.
pub fn closed(code: Option<u16>, reason: &str, when: &str) -> Classification {
    let code_value = code.unwrap_or(1005);
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(" (reason: \"{}\")", truncate(reason, 120))
    };
    let mut c = Classification::new(
        "closed",
        format!(
            "the server closed the connection {when} with code {code_value}{reason}: {}",
            close_meaning(code_value)
        ),
    );
    c.close_code = Some(code_value);
    c
}

/// The connection closed while the probe sent nothing: `code` is the close
/// frame's code (1005 for a frame without one), `None` when the connection
/// ended without a close frame (1006).
pub fn idle_closed(code: Option<u16>, reason: &str, after_ms: u64, idle_ms: u64) -> Classification {
    let code_value = code.unwrap_or(1006);
    let secs = after_ms as f64 / 1000.0;
    let mut message = format!(
        "the connection was closed after {secs:.1} s of silence (of the {} s idle hold) with code {code_value}",
        fmt_secs(idle_ms)
    );
    if !reason.is_empty() {
        message.push_str(&format!(" (reason: \"{}\")", truncate(reason, 120)));
    }
    let mut rules: &[&'static str] = &[];
    if code_value == 1006 {
        message.push_str(
            ", without a close frame: an idle timeout cut it. Behind nginx this is proxy_read_timeout (60s by default), which counts the time since the backend last sent anything — raise it in the WebSocket location, see WS006, or have the application ping more often than the timeout",
        );
        rules = &["WS006"];
        if (54.0..=66.0).contains(&secs) {
            message.push_str("; 60 s is nginx's default proxy_read_timeout (and the default idle timeout of AWS load balancers)");
        } else if (90.0..=110.0).contains(&secs) {
            message.push_str("; ~100 s is Cloudflare's proxy idle timeout, which no nginx setting changes: ping more often than that");
        }
    } else {
        message.push_str(&format!(": {}", close_meaning(code_value)));
    }
    let mut c = Classification::new("idle-closed", message).rules(rules);
    c.close_code = Some(code_value);
    c.after_ms = Some(after_ms);
    c
}

pub fn fmt_secs(ms: u64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{:.1}", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(head: &str) -> Response {
        Response::parse(head.as_bytes()).unwrap()
    }

    #[test]
    fn nginx_pages_are_told_from_backend_answers() {
        let r = response("HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\n\r\n");
        let page = b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";
        let o = Origin::of(&r, page);
        assert!(o.nginx_page && o.behind_nginx);
        assert_eq!(o.describe(&r), "from nginx/1.22.1 itself");
        let t = Target::parse("ws://example.org/ws/").unwrap();
        let c = http_status(&t, &r, &o);
        assert_eq!(c.rule, Some("WS007"));
        assert!(c
            .message
            .contains("nginx-wslint route CONFIG /ws/ --host example.org"));

        let o = Origin::of(
            &r,
            b"<h1>Not Found</h1><p>The requested resource was not found on this server.</p>",
        );
        assert!(!o.nginx_page && o.behind_nginx);
        assert_eq!(o.says.as_deref(), Some("Not Found"));
        assert_eq!(
            o.describe(&r),
            "from the server behind nginx/1.22.1: \"Not Found\""
        );
        assert_eq!(http_status(&t, &r, &o).rule, None);
    }

    #[test]
    fn statuses_name_their_rules() {
        let t = Target::parse("ws://h/ws").unwrap();
        for (status, kind, rule) in [
            (200, "no-upgrade", Some("WS001")),
            (400, "http-status", Some("WS003")),
            (426, "http-status", Some("WS001")),
            (502, "http-status", Some("WS008")),
            (504, "http-status", Some("WS014")),
            (505, "http-status", Some("WS003")),
            (403, "http-status", None),
            (418, "http-status", None),
        ] {
            let r = response(&format!("HTTP/1.1 {status} X\r\n\r\n"));
            let c = http_status(&t, &r, &Origin::of(&r, b""));
            assert_eq!((c.kind, c.rule, c.status), (kind, rule, Some(status)));
        }
    }

    #[test]
    fn idle_closes_name_the_timeout() {
        let c = idle_closed(None, "", 2_003, 4_000);
        assert_eq!(c.rule, Some("WS006"));
        assert_eq!(c.close_code, Some(1006));
        assert!(c
            .message
            .starts_with("the connection was closed after 2.0 s"));
        assert!(idle_closed(None, "", 100_200, 120_000)
            .message
            .contains("Cloudflare"));
        assert!(idle_closed(None, "", 60_010, 120_000)
            .message
            .contains("default proxy_read_timeout"));
        let c = idle_closed(Some(1001), "bye", 3_000, 4_000);
        assert_eq!(c.rule, None);
        assert!(c.message.contains("going away"));
    }

    #[test]
    fn close_codes_have_meanings() {
        assert!(close_meaning(1011).contains("internal server error"));
        assert!(close_meaning(4001).contains("application-defined"));
        assert!(close_meaning(1006).contains("without a close frame"));
        let c = closed(Some(4001), "unauthorized", "after the handshake");
        assert_eq!(c.close_code, Some(4001));
        assert!(c.message.contains("reason: \"unauthorized\""));
    }
}
