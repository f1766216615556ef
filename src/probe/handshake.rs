//! The opening handshake (RFC 6455 §4): the request, the answer's head and
//! the `Sec-WebSocket-Accept` check.

use super::url::Target;

/// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)).
pub fn accept_for(key: &str) -> String {
    const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let digest = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{key}{GUID}").as_bytes(),
    );
    base64(digest.as_ref())
}

pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A request header given with `--header`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    /// `Name: value` (or `Name:value`).
    pub fn parse(text: &str) -> Result<Header, String> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("--header `{text}`: expected `Name: value`"))?;
        let name = name.trim();
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid_name {
            return Err(format!("--header `{text}`: `{name}` is not a header name"));
        }
        let value = value.trim();
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(format!(
                "--header `{text}`: the value contains a line break"
            ));
        }
        Ok(Header {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// The upgrade request; a `--header` replaces a default of the same name.
pub fn request(target: &Target, key: &str, origin: Option<&str>, extra: &[Header]) -> String {
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), target.host_header()),
        ("Upgrade".into(), "websocket".into()),
        ("Connection".into(), "Upgrade".into()),
        ("Sec-WebSocket-Key".into(), key.into()),
        ("Sec-WebSocket-Version".into(), "13".into()),
        (
            "User-Agent".into(),
            concat!("nginx-wslint/", env!("CARGO_PKG_VERSION"), " probe").into(),
        ),
    ];
    if let Some(origin) = origin {
        headers.push(("Origin".into(), origin.into()));
    }
    for h in extra {
        match headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&h.name))
        {
            Some(existing) => existing.1 = h.value.clone(),
            None => headers.push((h.name.clone(), h.value.clone())),
        }
    }
    let mut out = format!("GET {} HTTP/1.1\r\n", target.resource);
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out
}

/// The answer's status line and headers.
#[derive(Debug, Clone)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn parse(head: &[u8]) -> Result<Response, String> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status = parts.next().and_then(|s| s.parse::<u16>().ok());
        let (true, Some(status)) = (version.starts_with("HTTP/"), status) else {
            return Err(format!(
                "the server did not answer with HTTP: {:?}",
                truncate(status_line, 120)
            ));
        };
        let reason = parts.next().unwrap_or("").trim().to_string();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        Ok(Response {
            version: version.to_string(),
            status,
            reason,
            headers,
        })
    }

    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header holds `token` (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    pub fn status_line(&self) -> String {
        format!("{} {} {}", self.version, self.status, self.reason)
            .trim_end()
            .to_string()
    }

    pub fn content_length(&self) -> Option<usize> {
        self.header("Content-Length")?.parse().ok()
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_matches_rfc_6455() {
        // RFC 6455 §1.3.
        assert_eq!(
            accept_for("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn request_has_the_upgrade_headers_and_replaces_defaults() {
        let t = Target::parse("ws://example.org:8080/ws/?a=1").unwrap();
        let extra = [
            Header::parse("Host: other").unwrap(),
            Header::parse("Cookie:x=1").unwrap(),
        ];
        let r = request(&t, "KEY", Some("https://app"), &extra);
        assert!(r.starts_with("GET /ws/?a=1 HTTP/1.1\r\nHost: other\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: KEY\r\nSec-WebSocket-Version: 13\r\n"));
        assert!(r.ends_with("Origin: https://app\r\nCookie: x=1\r\n\r\n"));
        assert!(Header::parse("nocolon").is_err());
        assert!(Header::parse("bad name: 1").is_err());
        assert!(Header::parse(": 1").is_err());
    }

    #[test]
    fn parses_an_answer_head() {
        let r = Response::parse(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.status, 101);
        assert!(r.has_token("connection", "upgrade"));
        assert_eq!(r.header("UPGRADE"), Some("websocket"));
        assert_eq!(r.status_line(), "HTTP/1.1 101 Switching Protocols");
        assert!(Response::parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }
}
