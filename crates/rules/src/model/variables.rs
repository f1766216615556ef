//! Which variables a configuration defines.
//!
//! nginx resolves variables after the whole configuration is read
//! (`ngx_http_variables_init_vars`), so a `map` may follow its use; an
//! undefined one fails `nginx -t` with `unknown "name" variable`. Names are
//! case-insensitive (`ngx_http_add_variable` compares with
//! `ngx_strncasecmp`).

use crate::fast_hash::FastSet;

use nginx_wslint_parser::{Directive, SourceFile};

use crate::model::{ascii_lowercase, byte_set, Model};

/// nginx's built-in variables (ngx_http_variables.c and the modules of a
/// common build), without the prefixed families below.
const BUILTINS: &[&str] = &[
    "args",
    "query_string",
    "arg",
    "binary_remote_addr",
    "body_bytes_sent",
    "bytes_sent",
    "connection",
    "connection_requests",
    "connection_time",
    "connections_active",
    "connections_reading",
    "connections_waiting",
    "connections_writing",
    "content_length",
    "content_type",
    "document_root",
    "document_uri",
    "uri",
    "host",
    "hostname",
    "https",
    "is_args",
    "limit_rate",
    "msec",
    "nginx_version",
    "pid",
    "pipe",
    "proxy_protocol_addr",
    "proxy_protocol_port",
    "proxy_protocol_server_addr",
    "proxy_protocol_server_port",
    "realpath_root",
    "remote_addr",
    "remote_port",
    "remote_user",
    "request",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_method",
    "request_time",
    "request_uri",
    "scheme",
    "server_addr",
    "server_name",
    "server_port",
    "server_protocol",
    "status",
    "time_iso8601",
    "time_local",
    "tcpinfo_rtt",
    "tcpinfo_rttvar",
    "tcpinfo_snd_cwnd",
    "tcpinfo_rcv_space",
    "proxy_host",
    "proxy_port",
    "proxy_add_x_forwarded_for",
    "proxy_internal_body_length",
    "proxy_internal_chunked",
    "proxy_internal_connection",
    "proxy_internal_host",
    "upstream_addr",
    "upstream_bytes_received",
    "upstream_bytes_sent",
    "upstream_cache_status",
    "upstream_connect_time",
    "upstream_header_time",
    "upstream_queue_time",
    "upstream_response_length",
    "upstream_response_time",
    "upstream_status",
    "upstream_last_server_name",
    "realip_remote_addr",
    "realip_remote_port",
    "ssl_cipher",
    "ssl_ciphers",
    "ssl_client_cert",
    "ssl_client_escaped_cert",
    "ssl_client_fingerprint",
    "ssl_client_i_dn",
    "ssl_client_raw_cert",
    "ssl_client_s_dn",
    "ssl_client_serial",
    "ssl_client_v_end",
    "ssl_client_v_remain",
    "ssl_client_v_start",
    "ssl_client_verify",
    "ssl_curve",
    "ssl_curves",
    "ssl_early_data",
    "ssl_protocol",
    "ssl_server_name",
    "ssl_session_id",
    "ssl_session_reused",
    "ssl_alpn_protocol",
    "http2",
    "http3",
    "gzip_ratio",
    "fastcgi_script_name",
    "fastcgi_path_info",
    "uid_got",
    "uid_set",
    "uid_reset",
    "invalid_referer",
    "secure_link",
    "secure_link_expires",
    "date_gmt",
    "date_local",
    "geoip_country_code",
    "realpath_root",
    "sent_http_connection",
    "sent_http_keep_alive",
    "sent_http_transfer_encoding",
    "sent_http_content_type",
    "sent_http_content_length",
    "sent_http_location",
    "sent_http_last_modified",
    "sent_http_cache_control",
    "upstream_http_upgrade",
    "limit_req_status",
    "limit_conn_status",
    "modern_browser",
    "ancient_browser",
    "msie",
    "server_https",
    "mp4",
    "spdy",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "0",
];

/// Prefixes whose every name exists (`$http_upgrade`, `$arg_token`, ...).
const PREFIXES: &[&str] = &[
    "http_",
    "sent_http_",
    "sent_trailer_",
    "cookie_",
    "arg_",
    "upstream_http_",
    "upstream_trailer_",
    "upstream_cookie_",
    "jwt_claim_",
    "jwt_header_",
];

/// The index of the argument that defines a variable, for the directives
/// that define one (a `match`: asked of every directive).
fn defining_argument(name: &str) -> Option<usize> {
    match name {
        "set"
        | "perl_set"
        | "js_set"
        | "auth_request_set"
        | "auth_jwt_claim_set"
        | "auth_jwt_header_set"
        | "set_by_lua"
        | "set_by_lua_block"
        | "set_by_lua_file"
        | "lua_set" => Some(0),
        "map" | "split_clients" => Some(1),
        _ => None,
    }
}

/// The variables a configuration defines beyond the built-ins.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Variables {
    defined: FastSet<String>,
}

impl Variables {
    /// Every variable the directives of `model` define.
    pub fn collect(model: &Model) -> Variables {
        let mut variables = Variables::default();
        for block in model.all_blocks() {
            for d in model.directives(block).chain(model.block(block).header) {
                variables.add_defined_by(model.file(d.file), d.directive, model.name(d));
            }
        }
        variables
    }

    /// Adds the variables directive `d` (named `name`) of `file` defines.
    /// [`Model::build`] calls it for each directive it places, so the
    /// model's [`Model::variables`] need no pass of their own.
    pub(crate) fn add_defined_by(&mut self, file: &SourceFile, d: &Directive, name: &str) {
        let defining = defining_argument(name);
        let args = file.args(d);
        // geo [$address] $variable { ... }
        let defining = defining.or((name == "geo").then(|| args.len().wrapping_sub(1)));
        if let Some(var) = defining
            .and_then(|i| args.get(i))
            .and_then(|w| file.value(w).strip_prefix('$'))
        {
            self.defined.insert(var.to_ascii_lowercase());
        }
        // Named captures of regexes (location, server_name, if, rewrite,
        // map keys) define variables. Most directives have no `(` in their
        // arguments' text at all (unescaping never makes one): one search
        // of that text decides.
        let raw = match (args.first(), args.last()) {
            (Some(first), Some(last)) => file
                .source()
                .get(first.span().start as usize..last.span().end as usize)
                .unwrap_or_default(),
            _ => &[],
        };
        if memchr::memchr(b'(', raw).is_some() {
            for arg in file.arg_values(d) {
                for capture in named_captures(arg) {
                    self.defined.insert(capture.to_ascii_lowercase());
                }
            }
        }
        if name.starts_with('~') {
            for capture in named_captures(name) {
                self.defined.insert(capture.to_ascii_lowercase());
            }
        }
    }

    /// Whether `$name` exists: built in, in a built-in family, or defined.
    pub fn is_defined(&self, name: &str) -> bool {
        // Built-in and defined names are stored lower-cased.
        let lower = ascii_lowercase(name);
        let name = lower.as_ref();
        static BUILTIN_SET: std::sync::OnceLock<FastSet<&'static str>> = std::sync::OnceLock::new();
        BUILTIN_SET
            .get_or_init(|| BUILTINS.iter().copied().collect())
            .contains(name)
            || self.defined.contains(name)
            || PREFIXES
                .iter()
                .any(|p| name.len() > p.len() && name.starts_with(p))
            || name.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Names of `(?<name>...)`, `(?P<name>...)` and `(?'name'...)` groups.
fn named_captures(pattern: &str) -> impl Iterator<Item = &str> {
    let bytes = pattern.as_bytes();
    memchr::memchr_iter(b'(', bytes).filter_map(move |i| {
        if bytes.get(i + 1) != Some(&b'?') {
            return None;
        }
        let opener = match bytes.get(i + 2..i + 4) {
            Some([b'P', b'<']) => 4,
            // `(?<=` and `(?<!` are look-behinds, not names.
            Some([b'<', b'=' | b'!']) => return None,
            _ if matches!(bytes.get(i + 2), Some(b'<' | b'\'')) => 3,
            _ => return None,
        };
        let after = &pattern[i + opener..];
        let end = after.find(['>', '\'']).unwrap_or(0);
        (end > 0).then(|| &after[..end])
    })
}

/// The bytes of a variable's name after `$`: ASCII letters, digits and `_`.
static NAME_BYTES: [bool; 256] =
    byte_set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

/// Whether a value references any variable (then nginx evaluates it per
/// request).
pub fn references_variables(value: &str) -> bool {
    referenced(value).next().is_some()
}

/// The variables referenced in a value: `$name` and `${name}`, in order.
/// An iterator: most values reference nothing, and callers stop early.
pub fn referenced(value: &str) -> References<'_> {
    References { value, at: 0 }
}

/// The iterator [`referenced`] returns.
pub struct References<'v> {
    value: &'v str,
    at: usize,
}

impl<'v> Iterator for References<'v> {
    type Item = &'v str;

    fn next(&mut self) -> Option<&'v str> {
        let value = self.value;
        let bytes = value.as_bytes();
        loop {
            let rest = bytes.get(self.at..)?;
            // Values are short (a header's value, a URL): a plain scan there
            // costs less than `memchr`'s call and set-up.
            let found = if rest.len() < 32 {
                rest.iter().position(|&b| b == b'$')
            } else {
                memchr::memchr(b'$', rest)
            };
            let i = self.at + found?;
            if bytes.get(i + 1) == Some(&b'{') {
                if let Some(end) = value[i + 2..].find('}') {
                    self.at = i + end + 3;
                    return Some(&value[i + 2..i + 2 + end]);
                }
            }
            let start = i + 1;
            let mut j = start;
            if bytes.get(start).is_some_and(u8::is_ascii_digit) {
                // `$1`..`$9` are captures: one digit, then literal text
                // (nginx's script compiler, ngx_http_script_compile).
                j += 1;
            } else {
                j += bytes[start..]
                    .iter()
                    .position(|&b| !NAME_BYTES[usize::from(b)])
                    .unwrap_or(bytes.len() - start);
            }
            self.at = j.max(i + 1);
            if j > start {
                return Some(&value[start..j]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references() {
        assert_eq!(
            referenced("$http_upgrade").collect::<Vec<_>>(),
            ["http_upgrade"]
        );
        assert_eq!(
            referenced("http://${host}:$port/x$1").collect::<Vec<_>>(),
            ["host", "port", "1"]
        );
        assert_eq!(referenced("no vars $").count(), 0);
        assert_eq!(
            referenced("$a-b $c_D9é$_x$").collect::<Vec<_>>(),
            ["a", "c_D9", "_x"]
        );
        assert_eq!(
            referenced("$1action_name=$3").collect::<Vec<_>>(),
            ["1", "3"]
        );
    }

    /// Names are case-insensitive everywhere: built-ins, families and
    /// defined names (ngx_http_add_variable compares with ngx_strncasecmp).
    #[test]
    fn defined_names_ignore_case() {
        let mut vars = Variables::default();
        vars.defined.insert("connection_upgrade".into());
        for yes in [
            "host",
            "HOST",
            "Remote_Addr",
            "http_upgrade",
            "HTTP_X_Forwarded_For",
            "connection_upgrade",
            "Connection_Upgrade",
            "1",
        ] {
            assert!(vars.is_defined(yes), "{yes}");
        }
        for no in ["hosts", "http_", "connection_upgrade2", "x", "1a"] {
            assert!(!vars.is_defined(no), "{no}");
        }
    }

    #[test]
    fn named_captures_are_found() {
        let names = |p| named_captures(p).collect::<Vec<_>>();
        assert_eq!(names("^/(?<app>[^/]+)/(?P<rest>.*)$"), ["app", "rest"]);
        assert_eq!(names("(?'q'x)(?<"), ["q"]);
        assert_eq!(names("(?<=x)(?<!y)(?:z)"), Vec::<&str>::new());
        // Where a name never closes, the text up to a later `>` is taken,
        // and the inner group is found too.
        assert_eq!(names("(?<a(?<b>x)"), ["a(?<b", "b"]);
    }
}
