//! Proof of the routing model: random location trees (prefix, `^~`, `=`,
//! `~`, `~*`, nested, proxying locations that redirect, named locations) and
//! random requests (with `//`, `%XX`, `.`/`..`, upper case, query strings)
//! are served by real nginx on 127.0.0.1, where every location answers with
//! its own line number in an `X-Loc` header, and `Router::route` must agree
//! on every request: same location, same 301 redirects, same 400s, same
//! fall-through to the server level.
//!
//! `routing_agrees_with_nginx` runs a few thousand requests in CI;
//! `routing_agrees_with_nginx_long` (ignored) runs many more.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use nginx_wslint_parser::{ConfigSet, Context, LoadOptions};
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::routing::location::Found;
use nginx_wslint_rules::routing::router::{RouteError, Router};

use common::Rng;

const SEGMENTS: &[&str] = &[
    "a", "ab", "api", "ws", "API", "Ws", "x.js", "b.css", "s", "chat", "v1",
];

const REGEXES: &[&str] = &[
    "^/a",
    "/ws/",
    "\\.js$",
    "^/api/(ws|v1)",
    "b$",
    "^/A",
    "s",
    "^/chat/.*/ws$",
    "\\.(js|css)$",
    "^/ws",
    "^/[a-z]+/ws",
];

fn random_path(rng: &mut Rng, base: &str) -> String {
    let mut path = base.to_string();
    if !path.ends_with('/') {
        path.push('/');
    }
    for _ in 0..1 + rng.below(2) {
        path.push_str(rng.pick(SEGMENTS));
        if rng.chance(50) {
            path.push('/');
        }
    }
    path
}

/// Writes a random `location` tree into `out`, one directive per line.
/// `wide`: the server level gets 40 to 80 locations, enough regexes for the
/// router's regex index (16 or more in one level).
fn locations(
    rng: &mut Rng,
    out: &mut Vec<String>,
    parent: Option<&str>,
    parent_is_regex: bool,
    depth: usize,
    names: &mut Vec<String>,
    wide: bool,
) {
    let count = if depth == 0 && wide {
        40 + rng.below(41)
    } else if depth == 0 {
        2 + rng.below(9)
    } else {
        1 + rng.below(3)
    };
    let mut used: Vec<(String, bool)> = Vec::new();
    for _ in 0..count {
        let kind = rng.below(10);
        let base = parent.unwrap_or("/");
        // nginx requires a nested prefix to start with its parent's name
        // (for a regex parent that is the regex text): use regexes there.
        let kind = if parent_is_regex && kind < 6 {
            6 + rng.below(4)
        } else {
            kind
        };
        let (modifier, path) = match kind {
            0..=2 => ("", random_path(rng, base)),
            3 => ("^~", random_path(rng, base)),
            4 | 5 => ("=", random_path(rng, base)),
            6 | 7 => ("~", rng.pick(REGEXES).to_string()),
            8 => ("~*", rng.pick(REGEXES).to_string()),
            _ => ("", base.trim_end_matches('/').to_string() + "/"),
        };
        let exact = modifier == "=";
        if !modifier.starts_with('~') && used.iter().any(|(p, e)| *p == path && *e == exact) {
            continue;
        }
        used.push((path.clone(), exact));
        let line = out.len() + 1;
        let proxies = !modifier.starts_with('~') && path.ends_with('/') && rng.chance(30);
        let quoted = if modifier.starts_with('~') {
            format!("\"{path}\"")
        } else {
            path.clone()
        };
        out.push(format!(
            "{}location {modifier} {quoted} {{",
            "  ".repeat(depth + 1)
        ));
        out.push(format!(
            "{}add_header X-Loc {line} always;",
            "  ".repeat(depth + 2)
        ));
        if proxies {
            out.push(format!(
                "{}proxy_pass http://127.0.0.1:9;",
                "  ".repeat(depth + 2)
            ));
        }
        out.push(format!("{}return 200 \"{line}\";", "  ".repeat(depth + 2)));
        names.push(path.clone());
        if depth < 2 && modifier != "=" && rng.chance(35) {
            locations(
                rng,
                out,
                Some(&path),
                modifier.starts_with('~'),
                depth + 1,
                names,
                false,
            );
        }
        out.push(format!("{}}}", "  ".repeat(depth + 1)));
    }
    if depth == 0 && rng.chance(30) {
        out.push("  location @named { return 200 named; }".into());
    }
}

const ENCODABLE: &[u8] = b"/.aAbsw";

/// A request target built from the tree's names, mangled the ways clients
/// and attackers write URIs.
fn random_target(rng: &mut Rng, names: &[String]) -> String {
    let mut path = if !names.is_empty() && rng.chance(80) {
        let name = rng.pick(names);
        if !name.starts_with('/') {
            format!("/{}", rng.pick(SEGMENTS))
        } else if name.len() > 1 && rng.chance(20) {
            // Without its trailing slash: a proxying location redirects.
            return name.trim_end_matches('/').to_string();
        } else {
            name
        }
    } else {
        "/".to_string()
    };
    for _ in 0..rng.below(3) {
        match rng.below(8) {
            0 => path.push_str(rng.pick(SEGMENTS)),
            1 => path.push('/'),
            2 => path = path.replacen('/', "//", 1),
            3 => path.push_str("/../"),
            4 => path.push_str("./"),
            5 => path = path.to_uppercase(),
            6 => {
                let b = rng.pick(ENCODABLE);
                path.push_str(&format!("%{b:02X}"));
            }
            _ => path.push_str(&format!("/{}", rng.pick(SEGMENTS))),
        }
    }
    if rng.chance(15) {
        path.push_str("?x=/ws/&y=1");
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    path
}

/// nginx's answer: the status and the `X-Loc` header (`None`: server level).
fn ask(port: u16, target: &str) -> (u16, Option<String>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {target} HTTP/1.0\r\nHost: test\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let loc = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("X-Loc: ").map(|v| v.trim().to_string()));
    (status, loc)
}

fn ours(
    router: &Router,
    model: &Model,
    target: &str,
    port: u16,
) -> Result<(u16, Option<String>), RouteError> {
    let route = router.route(target.as_bytes(), Some("test"), port)?;
    let line = |b| model.block(b).header.map(|h| model.line(h).to_string());
    Ok(match route.found {
        Found::Location(b) => (200, line(b)),
        Found::Redirect(b) => (301, line(b)),
        Found::ServerLevel => (404, None),
    })
}

fn run(configs: usize, requests: usize, seed: u64) {
    let Some(nginx) = common::nginx_or_skip("routing differential test skipped") else {
        return;
    };
    let mut rng = Rng(seed);
    let mut checked = 0;
    let mut failures = Vec::new();
    // Outcomes seen: 400, 301 redirect, location, server level, and how
    // many locations answered via a regex.
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for config_index in 0..configs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("html")).unwrap();
        let port = common::free_port();
        let mut lines = Vec::new();
        let mut names = Vec::new();
        // Every third configuration is wide.
        let wide = config_index % 3 == 2;
        locations(&mut rng, &mut lines, None, false, 0, &mut names, wide);
        // Line numbers count from the first location line: the header below
        // has exactly HEADER_LINES lines.
        let header = format!(
            "daemon off; master_process off; error_log {0}/error.log; pid {0}/nginx.pid;\n\
             events {{}}\nhttp {{ access_log off; client_body_temp_path {0}/body; proxy_temp_path {0}/proxy;\n\
             server {{ listen 127.0.0.1:{port}; root {0}/html;\n",
            d.display()
        );
        let header_lines = header.lines().count();
        let body: Vec<String> = lines
            .iter()
            .map(|l| {
                // Shift the recorded line numbers past the header.
                shift_numbers(l, header_lines)
            })
            .collect();
        let conf = format!("{header}{}\n}}\n}}\n", body.join("\n"));
        std::fs::write(d.join("nginx.conf"), &conf).unwrap();
        let test = Command::new(&nginx)
            .arg("-t")
            .arg("-q")
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .args(["-e", "stderr"])
            .output()
            .unwrap();
        assert!(
            test.status.success(),
            "generated config {config_index} rejected: {}\n{conf}",
            String::from_utf8_lossy(&test.stderr)
        );
        let _nginx = common::Nginx::start(&nginx, d, &[port]);

        let mut config = ConfigSet::new(LoadOptions {
            prefix: None,
            follow_includes: true,
        });
        let entry = config.load_entry(&d.join("nginx.conf")).unwrap();
        let model = Model::build(&config, entry, Context::Main);
        let router = Router::new(&model);
        for _ in 0..requests {
            let target = random_target(&mut rng, &names);
            let theirs = ask(port, &target);
            let mine = match ours(&router, &model, &target, port) {
                Ok(r) => r,
                Err(RouteError::InvalidUri(_)) => (400, None),
                Err(e) => panic!("config {config_index}: {e}"),
            };
            checked += 1;
            let outcome = match (theirs.0, &theirs.1) {
                (400, _) => "400",
                (301, _) => "redirect",
                (_, None) => "server level",
                _ => "location",
            };
            *outcomes.entry(outcome).or_default() += 1;
            let agree = match theirs.0 {
                400 => mine.0 == 400,
                301 => mine == theirs,
                // No X-Loc: the server level answered (404, or 403 for a
                // directory).
                _ if theirs.1.is_none() => mine == (404, None),
                // 200 from `return`, 502 from a proxying location.
                _ => mine.0 == 200 && mine.1 == theirs.1,
            };
            if !agree && failures.len() < 20 {
                failures.push(format!(
                    "config {config_index} {target}: nginx {theirs:?}, ours {mine:?}\n{conf}"
                ));
            }
        }
    }
    eprintln!("{checked} requests compared with nginx: {outcomes:?}");
    for outcome in ["400", "redirect", "server level", "location"] {
        assert!(
            outcomes.get(outcome).copied().unwrap_or(0) >= configs,
            "too few {outcome} outcomes: {outcomes:?}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements, first:\n{}",
        failures.len(),
        failures.join("\n---\n")
    );
}

/// `add_header X-Loc N` and `return 200 "N"` carry the line number within
/// the generated body; shift them to file line numbers.
fn shift_numbers(line: &str, by: usize) -> String {
    let shift = |prefix: &str, suffix: &str, l: &str| -> Option<String> {
        let start = l.find(prefix)? + prefix.len();
        let end = start + l[start..].find(suffix)?;
        let n: usize = l[start..end].parse().ok()?;
        Some(format!("{}{}{}", &l[..start], n + by, &l[end..]))
    };
    shift("X-Loc ", " always", line)
        .or_else(|| shift("return 200 \"", "\"", line))
        .unwrap_or_else(|| line.to_string())
}

#[test]
fn routing_agrees_with_nginx() {
    run(30, 100, 0x0005_EED5);
}

#[test]
#[ignore = "long run: cargo test -p nginx-wslint-rules --test routing_vs_nginx -- --ignored"]
fn routing_agrees_with_nginx_long() {
    run(300, 400, 0x00BA_D5EE);
}
