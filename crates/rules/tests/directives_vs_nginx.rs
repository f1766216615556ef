//! Differential test of `model::directives` against a real nginx.
//!
//! For every directive of the table, `nginx -t` checks configurations that
//! place it
//! * in each context nginx-wslint models (main, events, http, server,
//!   location, `if` in a location, `if` in a server, `limit_except`,
//!   `upstream`): nginx must say `"x" directive is not allowed here` (or
//!   `unknown directive "x"` for a directive the release lacks) exactly where
//!   `allowed_in`/`allowed_in_if` say no;
//! * with 0 to 4 arguments in a context where it is allowed: nginx must say
//!   `invalid number of arguments in "x" directive` exactly where
//!   `args_in(version).accepts(n)` says no;
//! * twice at one level: nginx must say `"x" directive is duplicate` exactly
//!   for the entries that are not `repeatable`.
//!
//! The version compared is the installed nginx's (`nginx -v`), 1.22 in CI.
//! Without nginx the test prints a notice and passes, unless
//! `NGINX_WSLINT_REQUIRE_NGINX=1` is set.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use nginx_wslint_parser::Context;
use nginx_wslint_rules::model::directives::{
    allowed_in, allowed_in_if, lookup_in, DirectiveInfo, DIRECTIVES,
};
use nginx_wslint_rules::model::version::Version;

/// The installed nginx's version, from `nginx -v` (`nginx version: nginx/1.22.1`).
fn nginx_version(nginx: &Path) -> Version {
    let output = Command::new(nginx).arg("-v").output().expect("nginx -v");
    let text = String::from_utf8_lossy(&output.stderr);
    let number = text
        .split("nginx/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected nginx -v output: {text}"));
    number.parse().expect("nginx version")
}

/// Where a directive is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Main,
    Events,
    Http,
    Server,
    Location,
    LocationIf,
    ServerIf,
    LimitExcept,
    Upstream,
}

const PLACES: [Place; 9] = [
    Place::Main,
    Place::Events,
    Place::Http,
    Place::Server,
    Place::Location,
    Place::LocationIf,
    Place::ServerIf,
    Place::LimitExcept,
    Place::Upstream,
];

impl Place {
    /// The parser's context for this place.
    fn context(self) -> Context {
        match self {
            Place::Main => Context::Main,
            Place::Events => Context::Events,
            Place::Http => Context::Http,
            Place::Server => Context::Server,
            Place::Location => Context::Location,
            Place::LocationIf | Place::ServerIf => Context::If,
            Place::LimitExcept => Context::LimitExcept,
            Place::Upstream => Context::Upstream,
        }
    }

    fn allows(self, info: &DirectiveInfo, version: Version) -> bool {
        match self {
            Place::ServerIf => allowed_in_if(info, Context::Server, version),
            Place::LocationIf => allowed_in_if(info, Context::Location, version),
            _ => allowed_in(info, self.context(), version),
        }
    }

    /// A whole configuration with `lines` in this place.
    fn config(self, lines: &str, dir: &Path) -> String {
        let d = dir.display();
        let http = |body: &str| {
            format!(
                "events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
                 proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
                 uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{body}\n}}\n"
            )
        };
        match self {
            Place::Main => format!("{lines}\nevents {{}}\n"),
            Place::Events => format!("events {{\n{lines}\n}}\n"),
            Place::Http => http(lines),
            Place::Server => http(&format!("server {{\n{lines}\n}}")),
            Place::Location => http(&format!("server {{\nlocation / {{\n{lines}\n}}\n}}")),
            Place::LocationIf => http(&format!(
                "server {{\nlocation / {{\nif ($uri) {{\n{lines}\n}}\n}}\n}}"
            )),
            Place::ServerIf => http(&format!("server {{\nif ($uri) {{\n{lines}\n}}\n}}")),
            Place::LimitExcept => http(&format!(
                "server {{\nlocation / {{\nlimit_except GET {{\n{lines}\n}}\n}}\n}}"
            )),
            Place::Upstream => http(&format!("upstream u {{\nserver 127.0.0.1:1;\n{lines}\n}}")),
        }
    }
}

/// Plausible arguments for each directive (the context check comes before
/// anything looks at them, but accepted placements should not fail on
/// them either).
fn example_args(info: &DirectiveInfo) -> &'static str {
    match (info.name, info.block) {
        ("proxy_pass", _) => "http://127.0.0.1:9",
        ("proxy_set_header" | "add_header", _) => "X-A 1",
        ("proxy_hide_header" | "proxy_pass_header", _) => "X-A",
        ("proxy_http_version", _) => "1.1",
        ("proxy_buffering", _) => "off",
        ("proxy_redirect", _) => "http://a/ /",
        ("resolver", _) => "127.0.0.1",
        ("server", true) => "",
        ("server", false) => "127.0.0.1:2",
        ("location", _) => "/x",
        ("limit_except", _) => "GET",
        ("listen", _) => "127.0.0.1:9",
        ("server_name", _) => "a.example",
        ("root", _) => "/tmp",
        ("upstream", _) => "u2",
        ("zone", _) => "z 64k",
        ("keepalive", _) => "8",
        ("ip_hash" | "least_conn", _) => "",
        ("hash", _) => "$uri",
        ("map", _) => "$uri $m",
        ("geo", _) => "$g",
        ("split_clients", _) => "$uri $s",
        ("set", _) => "$v 1",
        ("return", _) => "204",
        ("rewrite", _) => "^ /x",
        ("if", _) => "($uri)",
        ("add_header_inherit", _) => "merge",
        ("include", _) => "/nonexistent-nginx-wslint/*.conf",
        (name, _) if name.ends_with("_timeout") => "5s",
        (name, _) if name.ends_with("_pass") => "127.0.0.1:9",
        (name, _) => panic!("no example arguments for {name}"),
    }
}

fn line(info: &DirectiveInfo, args: &str) -> String {
    let sep = if args.is_empty() { "" } else { " " };
    let end = if info.block { " {}" } else { ";" };
    format!("{}{sep}{args}{end}", info.name)
}

/// `nginx -t`'s complaints about a configuration with `lines` in `place`
/// ("" when it accepts it).
fn nginx_t(nginx: &Path, dir: &Path, place: Place, lines: &str) -> String {
    common::nginx_t(nginx, dir, &place.config(lines, dir))
        .err()
        .unwrap_or_default()
}

/// The installed nginx, its version and a scratch directory; `None` after
/// a notice when nginx is missing.
fn setup() -> Option<(PathBuf, Version, tempfile::TempDir)> {
    let nginx = common::nginx_or_skip("skipping the directive differential test")?;
    let version = nginx_version(&nginx);
    let dir = tempfile::tempdir().expect("temporary directory");
    Some((nginx, version, dir))
}

/// Fails listing every disagreement with nginx.
fn assert_agrees(version: Version, mismatches: &[String]) {
    assert!(
        mismatches.is_empty(),
        "{} disagreements with nginx {version}:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The first place where `info` is allowed in `version`.
fn home(info: &DirectiveInfo, version: Version) -> Option<Place> {
    PLACES.into_iter().find(|p| p.allows(info, version))
}

#[test]
fn contexts_match_nginx() {
    let Some((nginx, version, dir)) = setup() else {
        return;
    };
    // One pass per name: `server` has two entries, resolved by lookup_in.
    let mut names: Vec<&str> = DIRECTIVES.iter().map(|d| d.name).collect();
    names.sort_unstable();
    names.dedup();
    let (mut checked, mut refused) = (0, 0);
    let mut mismatches = Vec::new();
    for name in names {
        for place in PLACES {
            // nginx looks for a module whose entry fits the context; so does lookup_in.
            let info = lookup_in(name, place.context()).unwrap();
            let info = if place == Place::ServerIf {
                DIRECTIVES
                    .iter()
                    .find(|d| d.name == name && d.in_server_if)
                    .unwrap_or(info)
            } else {
                info
            };
            let expected = place.allows(info, version);
            let text = line(info, example_args(info));
            let stderr = nginx_t(&nginx, dir.path(), place, &text);
            let not_allowed = stderr.contains(&format!("\"{name}\" directive is not allowed here"))
                || stderr.contains(&format!("unknown directive \"{name}\""));
            checked += 1;
            refused += usize::from(not_allowed);
            if not_allowed == expected {
                mismatches.push(format!(
                    "{name} in {place:?}: ours {}, nginx {}",
                    if expected { "allowed" } else { "not allowed" },
                    if not_allowed {
                        stderr.trim()
                    } else {
                        "accepts it"
                    }
                ));
            }
        }
    }
    eprintln!("nginx {version}: {checked} placements, {refused} not allowed");
    assert_agrees(version, &mismatches);
}

#[test]
fn argument_counts_match_nginx() {
    let Some((nginx, version, dir)) = setup() else {
        return;
    };
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for info in DIRECTIVES {
        let Some(place) = home(info, version) else {
            continue; // not in this release
        };
        let args = info.args_in(version);
        for n in 0..=4 {
            let text = line(info, &vec!["a"; n].join(" "));
            let stderr = nginx_t(&nginx, dir.path(), place, &text);
            let invalid = stderr.contains(&format!(
                "invalid number of arguments in \"{}\" directive",
                info.name
            ));
            checked += 1;
            if invalid == args.accepts(n) {
                mismatches.push(format!(
                    "{} with {n} arguments in {place:?}: ours {} ({}), nginx {}",
                    info.name,
                    if args.accepts(n) { "valid" } else { "invalid" },
                    args.nginx_name(),
                    if invalid {
                        stderr.trim()
                    } else {
                        "accepts the count"
                    }
                ));
            }
        }
    }
    eprintln!("nginx {version}: {checked} argument counts");
    assert_agrees(version, &mismatches);
}

#[test]
fn duplicates_match_nginx() {
    let Some((nginx, version, dir)) = setup() else {
        return;
    };
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for info in DIRECTIVES {
        let Some(place) = home(info, version) else {
            continue;
        };
        let text = line(info, example_args(info));
        let stderr = nginx_t(&nginx, dir.path(), place, &format!("{text}\n{text}"));
        let duplicate = stderr.contains(&format!("\"{}\" directive is duplicate", info.name));
        checked += 1;
        if duplicate == info.repeatable {
            mismatches.push(format!(
                "{} twice in {place:?}: ours {}, nginx {}",
                info.name,
                if info.repeatable {
                    "repeatable"
                } else {
                    "duplicate"
                },
                if duplicate {
                    stderr.trim()
                } else {
                    "accepts it twice"
                }
            ));
        }
    }
    eprintln!("nginx {version}: {checked} repeated directives");
    assert_agrees(version, &mismatches);
}
