//! Target nginx versions (`--target-version X.Y[.Z]`, `target-version` in
//! `.nginx-wslint.toml`).
//!
//! Several rules depend on the nginx release the configuration is meant for:
//! defaults and even the set of valid directives changed over time. The
//! release facts below come from `docs/xml/nginx/changes.xml` (cited as
//! `[chg X]`) and the source, as collected in
//! `reference/nginx-semantics.md` §3–§6.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// An nginx release, `major.minor.patch`. Ordered by release order.
///
/// Parsed from `X.Y` (patch 0) or `X.Y.Z`; displayed and serialised as
/// `X.Y.Z` (a JSON string such as `"1.26.0"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    major: u32,
    minor: u32,
    patch: u32,
}

impl Version {
    /// The version linted for when none is given: 1.26.0 (SPEC §2,
    /// `--target-version` defaults to 1.26), before every change below.
    pub const DEFAULT_TARGET: Version = Version::new(1, 26, 0);

    /// 1.29.7 (2026-03-24): `proxy_http_version` defaults to 1.1 and the
    /// `Connection` proxy header is no longer sent by default ([chg 1.29.7];
    /// commit 6bb27a6 "Proxy: enabled HTTP/1.1 by default"; nginx-semantics
    /// §3). Up to 1.29.6 nginx proxies with `HTTP/1.0` and `Connection: close`.
    /// The same release gives explicit `upstream{}` blocks a default
    /// `keepalive 32 local` (§4).
    pub const HTTP11_PROXY_DEFAULT: Version = Version::new(1, 29, 7);

    /// 1.27.3 (2024-11-26): `server ... resolve` in `upstream` and the
    /// `resolver`/`resolver_timeout` directives inside `upstream{}` are part
    /// of open-source nginx ([chg 1.27.3]; before, NGINX Plus only;
    /// nginx-semantics §5). Stable from 1.28.0.
    pub const UPSTREAM_RESOLVE: Version = Version::new(1, 27, 3);

    /// 1.29.3: the `add_header_inherit on|off|merge` directive (also allowed
    /// in `if`) can make `add_header` lists merge with the outer level
    /// (nginx-semantics §3).
    pub const ADD_HEADER_INHERIT: Version = Version::new(1, 29, 3);

    /// 1.29.4: `proxy_http_version 2` (needs ngx_http_v2_module; no upgrade
    /// handling, so not for WebSocket locations; nginx-semantics §4).
    pub const PROXY_HTTP_VERSION_2: Version = Version::new(1, 29, 4);

    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    pub const fn major(self) -> u32 {
        self.major
    }

    pub const fn minor(self) -> u32 {
        self.minor
    }

    pub const fn patch(self) -> u32 {
        self.patch
    }

    /// True from `since` on (`self >= since`).
    pub fn at_least(self, since: Version) -> bool {
        self >= since
    }

    /// The `proxy_http_version` nginx uses when none is configured: `"1.0"`
    /// before 1.29.7, `"1.1"` from 1.29.7 on ([`Self::HTTP11_PROXY_DEFAULT`]).
    pub fn proxy_http_version_default(self) -> &'static str {
        if self.at_least(Version::HTTP11_PROXY_DEFAULT) {
            "1.1"
        } else {
            "1.0"
        }
    }

    /// Whether nginx adds `Connection: close` to proxied requests when the
    /// configuration sets no `Connection` header: yes before 1.29.7, no from
    /// 1.29.7 on ([`Self::HTTP11_PROXY_DEFAULT`]).
    pub fn sends_connection_close_by_default(self) -> bool {
        !self.at_least(Version::HTTP11_PROXY_DEFAULT)
    }

    /// Whether `upstream { server host resolve; }` and `resolver` inside
    /// `upstream` exist ([`Self::UPSTREAM_RESOLVE`]).
    pub fn supports_upstream_resolve(self) -> bool {
        self.at_least(Version::UPSTREAM_RESOLVE)
    }

    /// Whether the `add_header_inherit` directive exists
    /// ([`Self::ADD_HEADER_INHERIT`]).
    pub fn supports_add_header_inherit(self) -> bool {
        self.at_least(Version::ADD_HEADER_INHERIT)
    }

    /// Whether `proxy_http_version 2` is a valid value
    /// ([`Self::PROXY_HTTP_VERSION_2`]).
    pub fn supports_proxy_http_version_2(self) -> bool {
        self.at_least(Version::PROXY_HTTP_VERSION_2)
    }
}

impl Default for Version {
    fn default() -> Version {
        Version::DEFAULT_TARGET
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A target version that is not `X.Y` or `X.Y.Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    input: String,
}

impl VersionError {
    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid target version \"{}\": expected X.Y or X.Y.Z, e.g. 1.26 or 1.27.3",
            self.input
        )
    }
}

impl std::error::Error for VersionError {}

impl FromStr for Version {
    type Err = VersionError;

    /// Parses `X.Y` or `X.Y.Z`: two or three dot-separated decimal numbers
    /// (ASCII digits only, each fitting a `u32`); surrounding whitespace is
    /// ignored. `1`, `1.26.`, `v1.26`, `1.26.0.1`, `1.x` are rejected.
    fn from_str(s: &str) -> Result<Version, VersionError> {
        let error = || VersionError {
            input: s.to_string(),
        };
        let number = |part: &str| -> Option<u32> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let parts: Vec<&str> = s.trim().split('.').collect();
        let numbers: Option<Vec<u32>> = match parts.len() {
            2 | 3 => parts.iter().map(|p| number(p)).collect(),
            _ => None,
        };
        match numbers.as_deref() {
            Some(&[major, minor]) => Ok(Version::new(major, minor, 0)),
            Some(&[major, minor, patch]) => Ok(Version::new(major, minor, patch)),
            _ => Err(error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_and_three_components() {
        assert_eq!("1.26".parse(), Ok(Version::new(1, 26, 0)));
        assert_eq!("1.27.3".parse(), Ok(Version::new(1, 27, 3)));
        assert_eq!(" 1.29.7 ".parse(), Ok(Version::HTTP11_PROXY_DEFAULT));
        assert_eq!("0.0".parse(), Ok(Version::new(0, 0, 0)));
        assert_eq!("01.026.000".parse(), Ok(Version::new(1, 26, 0)));
    }

    #[test]
    fn rejects_other_shapes_with_a_clear_message() {
        for bad in [
            "",
            "1",
            "1.",
            ".1",
            "1.26.",
            "1..26",
            "1.26.0.1",
            "v1.26",
            "1.x",
            "1.26-rc1",
            "+1.26",
            "1.-2",
            "1.99999999999",
            "1 .26",
        ] {
            let err = bad.parse::<Version>().unwrap_err();
            assert_eq!(err.input(), bad);
            assert_eq!(
                err.to_string(),
                format!(
                    "invalid target version \"{bad}\": expected X.Y or X.Y.Z, e.g. 1.26 or 1.27.3"
                ),
            );
        }
    }

    #[test]
    fn displays_and_serialises_three_components() {
        assert_eq!(Version::DEFAULT_TARGET.to_string(), "1.26.0");
        assert_eq!("1.27".parse::<Version>().unwrap().to_string(), "1.27.0");
        assert_eq!(
            serde_json::to_string(&Version::UPSTREAM_RESOLVE).unwrap(),
            "\"1.27.3\""
        );
    }

    #[test]
    fn orders_by_release() {
        let v = |s: &str| s.parse::<Version>().unwrap();
        assert!(v("1.9.15") < v("1.10.0"));
        assert!(v("1.26") < v("1.26.1"));
        assert!(v("1.29.6") < Version::HTTP11_PROXY_DEFAULT);
        assert!(v("2.0") > v("1.99.99"));
        assert_eq!(Version::default(), Version::DEFAULT_TARGET);
        assert!(Version::UPSTREAM_RESOLVE < Version::ADD_HEADER_INHERIT);
        assert!(Version::ADD_HEADER_INHERIT < Version::PROXY_HTTP_VERSION_2);
        assert!(Version::PROXY_HTTP_VERSION_2 < Version::HTTP11_PROXY_DEFAULT);
    }

    #[test]
    fn proxy_defaults_switch_at_1_29_7() {
        let before = Version::new(1, 29, 6);
        let after = Version::HTTP11_PROXY_DEFAULT;
        assert_eq!(before.proxy_http_version_default(), "1.0");
        assert_eq!(after.proxy_http_version_default(), "1.1");
        assert_eq!(Version::DEFAULT_TARGET.proxy_http_version_default(), "1.0");
        assert!(before.sends_connection_close_by_default());
        assert!(!after.sends_connection_close_by_default());
        assert!(!Version::new(1, 27, 2).supports_upstream_resolve());
        assert!(Version::new(1, 28, 0).supports_upstream_resolve());
        assert!(!Version::new(1, 29, 2).supports_add_header_inherit());
        assert!(Version::ADD_HEADER_INHERIT.supports_add_header_inherit());
        assert!(!Version::new(1, 29, 3).supports_proxy_http_version_2());
        assert!(Version::new(1, 30, 0).supports_proxy_http_version_2());
    }
}
