//! What nginx does to a request target before it looks for a `location`.
//!
//! nginx never matches locations against the bytes a client sent. The
//! request line is first checked by `ngx_http_parse_request_line`
//! (src/http/ngx_http_parse.c), then `ngx_http_process_request_uri`
//! (src/http/ngx_http_request.c) hands "complex" URIs to
//! `ngx_http_parse_complex_uri`, which percent-decodes, resolves `.` and
//! `..`, merges slashes and splits off the arguments. The result is `$uri`,
//! the string every `location` is compared with; what follows the `?` is
//! `$args`.
//!
//! [`normalize`] reproduces that for Linux builds of nginx (no Windows
//! backslash or `::$DATA` handling). The rules, with the nginx function
//! that implements each:
//!
//! * **Request line** (`ngx_http_parse_request_line`): the target starts
//!   with `/` (origin form) or is an absolute URI `scheme://host[:port]`
//!   followed by `/path`, `?args` or nothing (the path is then `/`). Any
//!   control byte (below 0x20, or 0x7f) makes the request invalid; a space,
//!   CR or LF would end the target inside a request line, so a target
//!   containing one is treated as invalid too. Bytes 0x80–0xff are fine.
//! * **Host of an absolute URI** (`ngx_http_parse_request_line`,
//!   `ngx_http_validate_host`): letters, digits, `.` and `-`, or an IP
//!   literal in `[...]`; a port is digits only; `..` in the host, or a
//!   host that is empty once a trailing dot and the port are removed, is
//!   invalid.
//! * **Percent-decoding** (`ngx_http_parse_complex_uri`, states
//!   `sw_quoted` and `sw_quoted_second`): `%` must be followed by two hex
//!   digits (either case), otherwise 400 — this includes `%zz`, `%4` and a
//!   `%` at the end. `%00` is 400. `%25`, `%23` and `%3F` become a literal
//!   `%`, `#` and `?` (they neither start a new escape, nor a fragment, nor
//!   the arguments). Every other decoded byte is handled as if it had been
//!   sent raw: `%2F` is a path separator (and is merged like `//`), `%2E`
//!   is a dot that takes part in `.`/`..` segments.
//! * **Slashes** (`sw_slash`): with `merge_slashes on` (the default) a run
//!   of `/` becomes one.
//! * **Dot segments** (`sw_dot`, `sw_dot_dot`): a `.` segment is removed; a
//!   `..` segment removes itself and the segment before it. A segment ends
//!   at `/`, `?`, `#` or the end of the target, so `/a/..` is `/`. A `..`
//!   with no segment left to remove (`/..`, `/a/../..`) is 400.
//! * **`?`** (raw, not `%3F`) ends the path; the arguments are everything
//!   after it up to the first `#`, and they are not decoded at all (`%zz`
//!   and `%00` are fine there, `+` stays `+`).
//! * **`#`** (raw, not `%23`) ends the path (or the arguments); what follows
//!   it is ignored, even an invalid escape.
//! * **`+`** is never decoded to a space.
//!
//! Not modelled: limits on the request line's length (nginx answers 414
//! when it exceeds `large_client_header_buffers`), and the HTTP/0.9 request
//! nginx sees when a target contains a raw LF.

/// What nginx makes of a request target before it matches `location`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Normalized {
    /// nginx accepts the target.
    Ok {
        /// The normalised path: `$uri`, what `location`s are matched
        /// against. Always starts with `/`; may contain any byte except
        /// NUL (decoded from `%XX`).
        path: Vec<u8>,
        /// The raw text after the first `?` of the path, up to a `#` (this
        /// is `$args`), or `None` when there was no `?`. nginx itself does
        /// not distinguish `None` from an empty `Some`.
        args: Option<Vec<u8>>,
    },
    /// nginx answers `400 Bad Request`; the text says why.
    Invalid(&'static str),
}

impl Normalized {
    /// The normalised path, unless the target is invalid.
    pub fn path(&self) -> Option<&[u8]> {
        match self {
            Normalized::Ok { path, .. } => Some(path),
            Normalized::Invalid(_) => None,
        }
    }

    /// Whether nginx rejects the target with 400.
    pub fn is_invalid(&self) -> bool {
        matches!(self, Normalized::Invalid(_))
    }
}

const EMPTY: &str = "empty request target";
const SPACE_OR_CONTROL: &str = "space or control character in the request target";
const NOT_A_TARGET: &str = "request target starts with neither \"/\" nor a scheme";
const BAD_ABSOLUTE: &str = "invalid absolute URI in the request line";
const BAD_HOST: &str = "invalid host in the request line";
const BAD_ESCAPE: &str = "\"%\" not followed by two hexadecimal digits";
const NUL_ESCAPE: &str = "%00 in the path";
const ABOVE_ROOT: &str = "\"..\" goes above the root";

/// Normalises a request target (the text between the method and the HTTP
/// version of a request line) the way nginx does with `merge_slashes on`,
/// the default. See the [module documentation](self) for the rules.
///
/// ```
/// use nginx_wslint_rules::routing::normalize::{normalize, Normalized};
///
/// assert_eq!(
///     normalize(b"/static//css/../%61pp.js?v=1%zz"),
///     Normalized::Ok { path: b"/static/app.js".to_vec(), args: Some(b"v=1%zz".to_vec()) },
/// );
/// assert!(normalize(b"/../etc/passwd").is_invalid());
/// ```
pub fn normalize(request_target: &[u8]) -> Normalized {
    normalize_with(request_target, true)
}

/// [`normalize`] with an explicit `merge_slashes` setting. With
/// `merge_slashes off` every `/` is kept, and a `..` after an empty segment
/// (`/a//..`) removes only that empty segment.
pub fn normalize_with(request_target: &[u8], merge_slashes: bool) -> Normalized {
    match split_request_target(request_target) {
        Ok(origin) => normalize_path(origin, merge_slashes),
        Err(reason) => Normalized::Invalid(reason),
    }
}

/// The part of a valid target that `ngx_http_parse_complex_uri` reads.
struct Origin<'a> {
    /// Starts with `/`, or with `?` when `empty_path` is set.
    uri: &'a [u8],
    /// An absolute URI with `?` right after the authority: nginx's
    /// `empty_path_in_uri`, which makes the path `/`.
    empty_path: bool,
}

/// The request-line checks of `ngx_http_parse_request_line` that concern
/// the target, and the split of an absolute URI into authority and path.
fn split_request_target(target: &[u8]) -> Result<Origin<'_>, &'static str> {
    if target.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err(SPACE_OR_CONTROL);
    }
    match target.first() {
        None => Err(EMPTY),
        Some(b'/') => Ok(Origin {
            uri: target,
            empty_path: false,
        }),
        Some(b) if b.is_ascii_alphabetic() => split_absolute_uri(target),
        Some(_) => Err(NOT_A_TARGET),
    }
}

/// `scheme://authority[/path|?args]`, as the states `sw_schema` to
/// `sw_port` of `ngx_http_parse_request_line` accept it.
fn split_absolute_uri(target: &[u8]) -> Result<Origin<'_>, &'static str> {
    let scheme_len = target
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(target.len());
    let rest = target[scheme_len..]
        .strip_prefix(b"://")
        .ok_or(BAD_ABSOLUTE)?;

    let mut end = if rest.first() == Some(&b'[') {
        let close = rest[1..]
            .iter()
            .position(|&b| !is_ip_literal_byte(b))
            .map(|i| i + 1)
            .filter(|&i| rest[i] == b']')
            .ok_or(BAD_ABSOLUTE)?;
        close + 1
    } else {
        rest.iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')))
            .unwrap_or(rest.len())
    };
    if rest.get(end) == Some(&b':') {
        end += 1;
        end += rest[end..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    }
    let (authority, after) = rest.split_at(end);

    let origin = match after.first() {
        None => Origin {
            uri: b"/",
            empty_path: false,
        },
        Some(b'/') => Origin {
            uri: after,
            empty_path: false,
        },
        Some(b'?') => Origin {
            uri: after,
            empty_path: true,
        },
        Some(_) => return Err(BAD_ABSOLUTE),
    };
    if !is_valid_host(authority) {
        return Err(BAD_HOST);
    }
    Ok(origin)
}

/// The bytes `sw_host_ip_literal` accepts between `[` and `]`: unreserved
/// characters, sub-delimiters and `:`.
fn is_ip_literal_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b':' | b'-'
                | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

/// `ngx_http_validate_host` on `host[:port]`, for the bytes the request
/// line lets through: no `..`, and not empty once the port and one
/// trailing dot are removed.
fn is_valid_host(authority: &[u8]) -> bool {
    if authority.windows(2).any(|w| w == b"..") {
        return false;
    }
    let host = if authority.first() == Some(&b'[') {
        // The literal was checked to end with `]`.
        let close = authority.iter().position(|&b| b == b']').unwrap_or(0);
        &authority[..=close]
    } else {
        let colon = authority.iter().position(|&b| b == b':');
        &authority[..colon.unwrap_or(authority.len())]
    };
    let host = host.strip_suffix(b".").unwrap_or(host);
    !host.is_empty()
}

/// Where `ngx_http_parse_complex_uri` is in the path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Inside a segment that is neither `.` nor `..` (so far).
    Usual,
    /// Right after a `/`.
    Slash,
    /// After `/.`.
    Dot,
    /// After `/..`.
    DotDot,
}

/// What a raw `?` or `#` ends.
enum End {
    /// `?`: the arguments follow.
    Args,
    /// `#`: the rest is ignored.
    Fragment,
    /// The end of the target.
    Target,
}

/// `ngx_http_parse_complex_uri`: decodes and resolves the path of `origin`
/// and splits off the arguments.
///
/// nginx only calls it for "complex" URIs (ones with `%`, `#`, `//` or a
/// `/.`, or an empty path); for any other URI it would return the path
/// unchanged, so running it on every URI gives the same result.
fn normalize_path(origin: Origin<'_>, merge_slashes: bool) -> Normalized {
    let uri = origin.uri;
    let mut path = Vec::with_capacity(uri.len() + 1);
    if origin.empty_path {
        path.push(b'/');
    }
    let mut state = State::Usual;
    let mut i = 0;
    let end = loop {
        let Some(&raw) = uri.get(i) else {
            break End::Target;
        };
        i += 1;
        let byte = if raw == b'%' {
            let decoded = match (hex_digit(uri.get(i)), hex_digit(uri.get(i + 1))) {
                (Some(high), Some(low)) => high << 4 | low,
                _ => return Normalized::Invalid(BAD_ESCAPE),
            };
            i += 2;
            match decoded {
                0 => return Normalized::Invalid(NUL_ESCAPE),
                // Kept literally, in a plain segment.
                b'%' | b'#' | b'?' => {
                    path.push(decoded);
                    state = State::Usual;
                    continue;
                }
                // Anything else, `/` and `.` included, counts as if sent raw.
                _ => decoded,
            }
        } else {
            raw
        };
        // From here on, `?` and `#` can only be raw bytes.
        let ends = match byte {
            b'?' => Some(End::Args),
            b'#' => Some(End::Fragment),
            _ => None,
        };
        if let Some(ends) = ends {
            match state {
                State::Usual | State::Slash => {}
                State::Dot => {
                    path.pop();
                }
                State::DotDot => {
                    if !remove_dot_dot(&mut path) {
                        return Normalized::Invalid(ABOVE_ROOT);
                    }
                }
            }
            break ends;
        }
        state = match (state, byte) {
            (State::Slash, b'/') => {
                if !merge_slashes {
                    path.push(b'/');
                }
                State::Slash
            }
            (State::Slash, b'.') => {
                path.push(b'.');
                State::Dot
            }
            (State::Dot, b'/') => {
                // Drop the `.`; the `/` before it stays.
                path.pop();
                State::Slash
            }
            (State::Dot, b'.') => {
                path.push(b'.');
                State::DotDot
            }
            (State::DotDot, b'/') => {
                if !remove_dot_dot(&mut path) {
                    return Normalized::Invalid(ABOVE_ROOT);
                }
                State::Slash
            }
            (_, b'/') => {
                path.push(b'/');
                State::Slash
            }
            (_, other) => {
                path.push(other);
                State::Usual
            }
        };
    };

    if let End::Target = end {
        match state {
            State::Dot => {
                path.pop();
            }
            State::DotDot => {
                if !remove_dot_dot(&mut path) {
                    return Normalized::Invalid(ABOVE_ROOT);
                }
            }
            State::Usual | State::Slash => {}
        }
    }

    let args = match end {
        End::Args => {
            let rest = &uri[i..];
            let len = rest.iter().position(|&b| b == b'#').unwrap_or(rest.len());
            Some(rest[..len].to_vec())
        }
        End::Fragment | End::Target => None,
    };
    Normalized::Ok { path, args }
}

/// `path` ends with `/..`: removes it and the segment before it, keeping
/// that segment's leading `/`. False when there is no segment before it.
fn remove_dot_dot(path: &mut Vec<u8>) -> bool {
    // Index of the `/` that starts `/..`.
    let Some(slash) = path.len().checked_sub(3) else {
        return false;
    };
    // nginx looks for the previous `/` starting one byte before `slash`,
    // so an empty segment (`//..`, only possible with merge_slashes off)
    // is removed on its own.
    match path[..slash].iter().rposition(|&b| b == b'/') {
        Some(previous) => {
            path.truncate(previous + 1);
            true
        }
        None => false,
    }
}

fn hex_digit(b: Option<&u8>) -> Option<u8> {
    match b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `target` → `Ok` with `path` and `args`.
    #[track_caller]
    fn ok(target: &str, path: &str, args: Option<&str>) {
        assert_eq!(
            normalize(target.as_bytes()),
            Normalized::Ok {
                path: path.as_bytes().to_vec(),
                args: args.map(|a| a.as_bytes().to_vec()),
            },
            "normalize({target:?})"
        );
    }

    #[track_caller]
    fn invalid(target: &[u8]) {
        let got = normalize(target);
        assert!(
            got.is_invalid(),
            "normalize({:?}) = {got:?}, expected Invalid",
            String::from_utf8_lossy(target)
        );
    }

    #[test]
    fn plain_paths_are_unchanged() {
        ok("/", "/", None);
        ok("/ws/chat", "/ws/chat", None);
        ok("/a.b/c.d", "/a.b/c.d", None);
        ok("/a+b;c=d~e", "/a+b;c=d~e", None);
        ok("/a\\b", "/a\\b", None);
    }

    #[test]
    fn slashes_are_merged() {
        ok("//", "/", None);
        ok("//a///b//", "/a/b/", None);
        ok("/a/%2F/b", "/a/b", None);
        ok("/a%2f%2Fb", "/a/b", None);
    }

    #[test]
    fn merge_slashes_off_keeps_them() {
        let keep = |t: &str| normalize_with(t.as_bytes(), false);
        assert_eq!(keep("//a//b").path(), Some(&b"//a//b"[..]));
        assert_eq!(keep("/a//..").path(), Some(&b"/a/"[..]));
        assert_eq!(keep("//..").path(), Some(&b"/"[..]));
        assert!(keep("/..").is_invalid());
    }

    #[test]
    fn dot_segments_are_resolved() {
        ok("/.", "/", None);
        ok("/./a/./b/.", "/a/b/", None);
        ok("/a/..", "/", None);
        ok("/a/b/../c", "/a/c", None);
        ok("/a/b/../../c/..", "/", None);
        ok("/a/.../b", "/a/.../b", None);
        ok("/a/.b/..c/b..", "/a/.b/..c/b..", None);
        ok("/a/b/..?x", "/a/", Some("x"));
        ok("/a/.?x", "/a/", Some("x"));
        ok("/a/b/..#x", "/a/", None);
    }

    #[test]
    fn dot_dot_above_the_root_is_invalid() {
        invalid(b"/..");
        invalid(b"/../a");
        invalid(b"/a/../..");
        invalid(b"/..?a");
        invalid(b"/..#a");
        invalid(b"/%2e%2E/a");
        invalid(b"//../a");
    }

    #[test]
    fn percent_decoding() {
        ok("/%41%62%63", "/Abc", None);
        ok("/caf%C3%A9", "/caf\u{e9}", None);
        ok("/a/b/%2e%2E/..", "/", None);
        ok("/a/%2e%2e/b", "/b", None);
        ok("/a%2E/b", "/a./b", None);
        ok("/%20", "/ ", None);
        ok("/%2B+", "/++", None);
        ok("/%0A", "/\n", None);
    }

    #[test]
    fn encoded_percent_hash_and_question_mark_stay_literal() {
        ok("/%25", "/%", None);
        ok("/%2541", "/%41", None);
        ok("/a%23b", "/a#b", None);
        ok("/a%3Fb?c", "/a?b", Some("c"));
        ok("/a%3fb", "/a?b", None);
        // A literal `%3F` after `/.` is a plain segment, not a dot segment.
        ok("/.%3F/x", "/.?/x", None);
    }

    #[test]
    fn bad_escapes_are_invalid() {
        invalid(b"/%");
        invalid(b"/a%");
        invalid(b"/%4");
        invalid(b"/%zz");
        invalid(b"/%4g");
        invalid(b"/%00");
        invalid(b"/%%41");
    }

    #[test]
    fn args_are_split_off_and_not_decoded() {
        ok("/a?b=%zz&c=%00+d", "/a", Some("b=%zz&c=%00+d"));
        ok("/a?", "/a", Some(""));
        ok("/a??b", "/a", Some("?b"));
        ok("/a?b/../c", "/a", Some("b/../c"));
        ok("/a?b#c", "/a", Some("b"));
        ok("/a/?", "/a/", Some(""));
        ok("//?x", "/", Some("x"));
    }

    #[test]
    fn a_fragment_ends_everything() {
        ok("/a#b", "/a", None);
        ok("/a#b?c", "/a", None);
        ok("/a#%zz/../..", "/a", None);
        ok("/#", "/", None);
        ok("/a/.#", "/a/", None);
    }

    #[test]
    fn request_line_rejects() {
        invalid(b"");
        invalid(b"a/b");
        invalid(b"*");
        invalid(b"%2F");
        invalid(b"?a");
        invalid(b"/a\x01b");
        invalid(b"/a\x7f");
        invalid(b"/a\x00");
        invalid(b"/a b");
        invalid(b"/a\tb");
        invalid(b"/a?b\x1f");
        invalid(b"/a#\x7f");
        ok("/\u{e9}\u{ff}", "/\u{e9}\u{ff}", None);
    }

    #[test]
    fn absolute_uris() {
        ok("http://example.com/a/../b?c", "/b", Some("c"));
        ok("http://example.com", "/", None);
        ok("http://example.com:8080", "/", None);
        ok("http://example.com?x", "/", Some("x"));
        ok("HTTPS://[::1]:443//a", "/a", None);
        ok("foo+bar.baz-1://h.", "/", None);
        ok("http://a:/", "/", None);
        invalid(b"http:/a");
        invalid(b"http:x");
        invalid(b"http://a..b/");
        invalid(b"http:///a");
        invalid(b"http://./");
        invalid(b"http://:80/");
        invalid(b"http://a_b/");
        invalid(b"http://a:x/");
        invalid(b"http://[::1/");
        invalid(b"http://user@host/");
    }

    #[test]
    fn never_panics() {
        // A tiny deterministic fuzz over an alphabet of awkward bytes.
        let alphabet = b"/.%?#2Ff0aZ[]:+\x00\x80";
        let mut seed: u64 = 1;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 59) as usize;
            let target: Vec<u8> = (0..len)
                .map(|k| alphabet[((seed >> (k * 3 % 50)) % alphabet.len() as u64) as usize])
                .collect();
            let _ = normalize(&target);
            let _ = normalize_with(&target, false);
        }
    }
}
