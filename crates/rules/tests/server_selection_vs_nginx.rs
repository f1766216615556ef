//! Proof of server selection: configurations with several `server` blocks
//! on one or two loopback ports (default servers, servers without
//! `server_name`, exact and mixed-case names, `*.example.com`,
//! `.example.com`, `www.example.*`, regexes with and without upper case,
//! `""`, `_`, names repeated across servers) are served by a real nginx on
//! 127.0.0.1, where every server answers `return 200 "<its line>"`. Requests
//! with many Host headers (exact, upper case, with a port, a trailing dot,
//! subdomains at several depths, IP literals, several matching wildcards,
//! invalid ones, none at all) must get the same server from
//! `server::select_checked` — or the same 400 for a Host nginx rejects —
//! and `nginx -t`'s "conflicting server name" warnings must be exactly
//! `server::conflicting_names`.
//!
//! The first configuration is written by hand to hold every kind of name;
//! the others are generated from a fixed seed. Without nginx the test prints
//! a notice and passes, unless `NGINX_WSLINT_REQUIRE_NGINX=1` is set.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use nginx_wslint_parser::{ConfigSet, Context, LoadOptions};
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::routing::regex::NginxRegex;
use nginx_wslint_rules::routing::router::{RouteError, Router};
use nginx_wslint_rules::routing::server::{self, MatchedBy, Selected};

use common::Rng;

const SEED: u64 = 0x5e4e_e45e_1ec7_0001;
const GENERATED_CONFIGS: usize = 24;
const REQUESTS_PER_CONFIG: usize = 120;

/// Server names as written in the configuration (quoted where needed).
const NAMES: &[&str] = &[
    "example.com",
    "www.example.com",
    "api.example.com",
    "a.b.example.com",
    "Example.COM",
    "WWW.Example.Org",
    "example.net",
    "foo.example.net",
    "localhost",
    "127.0.0.1",
    "_",
    "\"\"",
    "*.example.com",
    "*.b.example.com",
    "*.a.b.example.com",
    ".example.com",
    ".b.example.com",
    ".example.net",
    "*.com",
    ".org",
    "*.Example.ORG",
    "www.example.*",
    "www.*",
    "api.*",
    "www.example.com.*",
    "a.b.*",
    "~^(?<sub>.+)\\.example\\.net$",
    "~^API\\.",
    "~^api\\.",
    "~^www\\d*\\.",
    "~example",
    "~^[a-z]+\\.example\\.com$",
    "~^$",
    "~.",
];

/// Hosts that exercise one rule or another, whatever the names.
const FIXED_HOSTS: &[&str] = &[
    "127.0.0.1",
    "[::1]",
    "[::1]:8080",
    "[::1",
    "[::1]x:80",
    "localhost",
    "LOCALHOST.",
    "_",
    "-",
    "*",
    "*.example.com",
    ".example.com",
    ".b.example.com",
    "example.com:80:90",
    "example.com.:8.0",
    "www.example.com.:8.0",
    "example.com:",
    "example.com:.",
    "exa\\mple.com",
    "\u{c4}bc.example.com",
    "example.com ",
    "  example.com   ",
    "\texample.com",
    "example.com\t",
    "[::1]:80 ",
    "xn--bcher-kva.example",
    "com",
    "org",
    "example",
    "www",
    "www.",
    "api",
    // nginx answers 400 to these.
    "",
    ".",
    ":80",
    ":",
    "a..b",
    "..example.com",
    "example.com..",
    "example.com/x",
    "/",
    "example.com:8..0",
    "a b.example.com",
    "a\tb",
    "a\u{7f}b",
    "a\u{1}b",
];

/// Example hosts for a name.
fn hosts_for(rng: &mut Rng, name: &str) -> Vec<String> {
    let name = name.trim_matches('"');
    let labels = ["x", "www", "a", "b.a", "q.r.s", "api", "WWW"];
    if let Some(base) = name.strip_prefix("*.") {
        let mut out = vec![base.to_string(), format!(".{base}")];
        for _ in 0..3 {
            out.push(format!("{}.{base}", rng.pick(&labels)));
        }
        out
    } else if let Some(base) = name.strip_prefix('.') {
        vec![
            base.to_string(),
            format!("{}.{base}", rng.pick(&labels)),
            format!("{}.{base}", rng.pick(&labels)),
        ]
    } else if let Some(prefix) = name.strip_suffix(".*") {
        vec![
            prefix.to_string(),
            format!("{prefix}."),
            format!("{prefix}.com"),
            format!("{prefix}.co.uk"),
            format!("{prefix}x.com"),
        ]
    } else if name.starts_with('~') {
        [
            "foo.example.net",
            "a.b.example.net",
            "example.net",
            ".example.net",
            "API.example.com",
            "api.x",
            "apix.y",
            "www12.x",
            "www.example.org",
            "wwwa.x",
            "thing.example.com",
            "x.y.example.com",
            "examples",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    } else {
        vec![name.to_string(), format!("x.{name}")]
    }
}

/// A host in the ways clients write it.
fn decorate(rng: &mut Rng, host: String, port: u16) -> String {
    let mut host = match rng.below(10) {
        0 => host.to_uppercase(),
        1 => host
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => host,
    };
    match rng.below(10) {
        0 | 1 => host.push_str(&format!(":{port}")),
        2 => host.push('.'),
        3 => host.push_str(".:80"),
        4 => host.push(':'),
        _ => {}
    }
    host
}

struct Config {
    text: String,
    ports: Vec<u16>,
    /// Names used, for building hosts.
    names: Vec<&'static str>,
}

/// Lines before the first server.
fn header(dir: &Path) -> String {
    format!(
        "daemon off; master_process off; error_log {0}/error.log; pid {0}/nginx.pid;\n\
         events {{}}\n\
         http {{ access_log off; client_body_temp_path {0}/body; proxy_temp_path {0}/proxy;\n\
         server_names_hash_bucket_size 128;\n",
        dir.display()
    )
}

/// One `server` block: `listens` are (port, default_server), `names` the
/// `server_name` directives (`None`: none).
fn server_block(lines: &mut Vec<String>, listens: &[(u16, bool)], names: Option<Vec<Vec<&str>>>) {
    let line = lines.len() + 1;
    lines.push("server {".into());
    for (port, default) in listens {
        let flag = if *default { " default_server" } else { "" };
        lines.push(format!("  listen 127.0.0.1:{port}{flag};"));
    }
    for directive in names.unwrap_or_default() {
        lines.push(format!("  server_name {};", directive.join(" ")));
    }
    lines.push(format!("  return 200 \"{line}\";"));
    lines.push("}".into());
}

fn finish(header: String, lines: Vec<String>) -> String {
    let header_lines = header.lines().count();
    assert_eq!(header_lines, 4);
    // Line numbers were counted from the first server line.
    let body: Vec<String> = lines
        .iter()
        .map(|l| match l.strip_prefix("  return 200 \"") {
            Some(rest) => {
                let n: usize = rest.trim_end_matches("\";").parse().unwrap();
                format!("  return 200 \"{}\";", n + header_lines)
            }
            None => l.clone(),
        })
        .collect();
    format!("{header}{}\n}}\n", body.join("\n"))
}

/// Every kind of name at once, on one port.
fn handwritten(dir: &Path, port: u16) -> Config {
    let mut lines = Vec::new();
    let servers: &[(bool, Option<&[&str]>)] = &[
        (false, Some(&["example.com", "Www.Example.com"])),
        (false, Some(&["*.example.com"])),
        (false, Some(&["*.b.example.com", ".a.b.example.com"])),
        (false, Some(&["www.example.*", "www.*"])),
        (false, Some(&["www.example.com.*"])),
        (false, Some(&["~^(?<sub>.+)\\.example\\.net$", "~^API\\."])),
        (false, Some(&["~^api\\.", "~^www\\d*\\."])),
        (false, Some(&["\"\"", "_"])),
        (false, None),
        (true, Some(&["localhost", "127.0.0.1", "[::1]"])),
        (false, Some(&[".example.org", "example.net", "*.net"])),
        (false, Some(&["example.net", "*.example.com", "www.*", "_"])),
        (false, Some(&["~.", "~^$"])),
    ];
    for (default, server_names) in servers {
        server_block(
            &mut lines,
            &[(port, *default)],
            server_names.map(|n| vec![n.to_vec()]),
        );
    }
    Config {
        text: finish(header(dir), lines),
        ports: vec![port],
        names: NAMES.to_vec(),
    }
}

fn generated(rng: &mut Rng, dir: &Path, ports: &[u16]) -> Config {
    let count = 2 + rng.below(6);
    // Which ports each server listens on: every port gets one at least.
    let mut listen_sets: Vec<Vec<u16>> = (0..count)
        .map(|_| {
            let set: Vec<u16> = ports.iter().copied().filter(|_| rng.chance(60)).collect();
            if set.is_empty() {
                vec![rng.pick(ports)]
            } else {
                set
            }
        })
        .collect();
    for &port in ports {
        if !listen_sets.iter().any(|s| s.contains(&port)) {
            let i = rng.below(count);
            listen_sets[i].push(port);
            listen_sets[i].sort();
        }
    }
    // At most one default server per port.
    let mut defaults: Vec<(usize, u16)> = Vec::new();
    for &port in ports {
        if rng.chance(50) {
            let holders: Vec<usize> = (0..count)
                .filter(|&i| listen_sets[i].contains(&port))
                .collect();
            defaults.push((rng.pick(&holders), port));
        }
    }
    let pool: Vec<&'static str> = (0..8 + rng.below(12)).map(|_| rng.pick(NAMES)).collect();
    let mut lines = Vec::new();
    let mut used = Vec::new();
    for (i, set) in listen_sets.iter().enumerate() {
        let listens: Vec<(u16, bool)> = set
            .iter()
            .map(|&p| (p, defaults.contains(&(i, p))))
            .collect();
        let names = if rng.chance(15) {
            None
        } else {
            let directives = if rng.chance(15) { 2 } else { 1 };
            Some(
                (0..directives)
                    .map(|_| {
                        let n: Vec<&str> = (0..1 + rng.below(4)).map(|_| rng.pick(&pool)).collect();
                        used.extend(n.iter().copied());
                        n
                    })
                    .collect(),
            )
        };
        server_block(&mut lines, &listens, names);
    }
    Config {
        text: finish(header(dir), lines),
        ports: ports.to_vec(),
        names: used,
    }
}

/// `nginx -t`: its warnings about conflicting server names, as
/// (name, port), sorted.
fn conflicts_reported(nginx: &Path, dir: &Path, conf: &str) -> Vec<(String, u16)> {
    let test = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-e", "stderr"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&test.stderr);
    assert!(
        test.status.success(),
        "generated config rejected: {stderr}\n{conf}"
    );
    let mut out: Vec<(String, u16)> = stderr
        .lines()
        .filter_map(|l| {
            let rest = l.split("conflicting server name \"").nth(1)?;
            let (name, rest) = rest.split_once("\" on 127.0.0.1:")?;
            let port = rest.split(',').next()?.parse().ok()?;
            Some((name.to_string(), port))
        })
        .collect();
    out.sort();
    out
}

/// nginx's answer: `Ok(line)` of the server, or `Err(status)`.
fn ask(port: u16, host: Option<&str>) -> Result<u32, u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = b"GET / HTTP/1.0\r\n".to_vec();
    if let Some(host) = host {
        request.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    stream.write_all(&request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    match (status, body.trim().parse()) {
        (200, Ok(line)) => Ok(line),
        _ => Err(status),
    }
}

#[derive(Default)]
struct Tally {
    requests: usize,
    /// nginx's answers by the rule `select_checked` says chose the server.
    by_rule: BTreeMap<&'static str, usize>,
    /// Requests where several names matched and precedence decided.
    contests: BTreeMap<&'static str, usize>,
    conflicts: usize,
    failures: Vec<String>,
    /// Regexes compiled for `matching`.
    regexes: HashMap<String, NginxRegex>,
}

/// How the names of the servers on a port match a valid host, by kind
/// (counted independently of `server.rs`, to show which precedence rule a
/// request exercised).
#[derive(Default)]
struct Matching {
    exact: usize,
    head: usize,
    tail: usize,
    regex: usize,
}

fn matching(
    servers: &[&server::Server],
    host: &str,
    regexes: &mut HashMap<String, NginxRegex>,
) -> Matching {
    let mut m = Matching::default();
    for name in servers.iter().flat_map(|s| &s.names) {
        if let Some(source) = name.strip_prefix('~') {
            let regex = regexes.entry(source.to_string()).or_insert_with(|| {
                NginxRegex::new(source, source.bytes().any(|b| b.is_ascii_uppercase()))
            });
            m.regex += usize::from(regex.is_match(host.as_bytes()) == Ok(true));
        } else if let Some(base) = name.strip_prefix("*.") {
            m.head += usize::from(host.ends_with(&format!(".{base}")));
        } else if let Some(base) = name.strip_prefix('.') {
            m.head += usize::from(host == base || host.ends_with(name.as_str()));
        } else if let Some(prefix) = name.strip_suffix(".*") {
            m.tail += usize::from(host.starts_with(&format!("{prefix}.")));
        } else {
            m.exact += usize::from(name == host);
        }
    }
    m
}

/// One request to nginx and to the model.
fn compare(
    port: u16,
    host: Option<&str>,
    model: &Model,
    router: &Router,
    tally: &mut Tally,
) -> Option<String> {
    let servers = router.servers();
    let line = |b| model.line(model.block(b).header.unwrap());
    let theirs = ask(port, host);
    let selected = server::select_checked(servers, port, host).unwrap_or_else(|e| panic!("{e:?}"));
    let (ours, answering) = match selected {
        Selected::Server { server, .. } => (server.map(|s| line(s.block)).ok_or(0), server),
        Selected::InvalidHost { default, .. } => (Err(400), default),
    };
    // `route` lands on the same server; for an invalid Host it reports
    // nginx's 400 (sent by the port's default server).
    let routed = match router.route(b"/", host, port) {
        Ok(route) => route.server,
        Err(RouteError::InvalidHost(_)) => answering
            .filter(|_| matches!(selected, Selected::InvalidHost { .. }))
            .map(|s| s.block),
        Err(e) => panic!("{e}"),
    };
    tally.requests += 1;
    let rule = match selected {
        Selected::InvalidHost { .. } => "400",
        Selected::Server { by, .. } => match by {
            MatchedBy::Exact("") => "no Host or \"\"",
            MatchedBy::Exact(_) => "exact",
            MatchedBy::HeadWildcard(_) => "*.x / .x",
            MatchedBy::TailWildcard(_) => "x.*",
            MatchedBy::Regex(_) => "regex",
            MatchedBy::Default => "default",
        },
    };
    *tally.by_rule.entry(rule).or_default() += 1;
    if let (Selected::Server { by, .. }, Some(Ok(valid))) =
        (selected, host.map(server::validate_host))
    {
        let on_port: Vec<&server::Server> = servers.iter().filter(|s| s.listens_on(port)).collect();
        let m = matching(&on_port, &valid, &mut tally.regexes);
        let contest = match by {
            MatchedBy::Exact(_) if m.head + m.tail + m.regex > 0 => Some("exact over others"),
            MatchedBy::HeadWildcard(_) if m.head > 1 => Some("longest of several *.x"),
            MatchedBy::HeadWildcard(_) if m.tail + m.regex > 0 => Some("*.x over x.* or regex"),
            MatchedBy::TailWildcard(_) if m.tail > 1 => Some("longest of several x.*"),
            MatchedBy::TailWildcard(_) if m.regex > 0 => Some("x.* over regex"),
            MatchedBy::Regex(_) if m.regex > 1 => Some("first of several regexes"),
            _ => None,
        };
        if let Some(contest) = contest {
            *tally.contests.entry(contest).or_default() += 1;
        }
    }
    (theirs != ours || routed != answering.map(|s| s.block)).then(|| {
        format!(
            "port {port} Host {host:?}: nginx {theirs:?}, select {ours:?} ({selected:?}), route {:?}",
            routed.map(line)
        )
    })
}

/// A port and a Host header (`None`: none).
type Request = (u16, Option<String>);

/// Starts nginx on the configuration, checks its conflict warnings, and
/// compares the requests.
fn check_config(
    nginx: &Path,
    config: &Config,
    dir: &Path,
    requests: Vec<Request>,
    tally: &mut Tally,
) {
    std::fs::write(dir.join("nginx.conf"), &config.text).unwrap();
    let reported = conflicts_reported(nginx, dir, &config.text);
    let _server = common::Nginx::start(nginx, dir, &config.ports);

    let mut set = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let entry = set.load_entry(&dir.join("nginx.conf")).unwrap();
    let model = Model::build(&set, entry, Context::Main);
    let router = Router::new(&model);

    let mut predicted: Vec<(String, u16)> = config
        .ports
        .iter()
        .flat_map(|&p| {
            server::conflicting_names(router.servers(), p)
                .into_iter()
                .map(move |(_, name)| (name, p))
        })
        .collect();
    predicted.sort();
    tally.conflicts += reported.len();
    if predicted != reported {
        tally.failures.push(format!(
            "conflicts: nginx {reported:?}, ours {predicted:?}\n{}",
            config.text
        ));
    }
    for (port, host) in requests {
        if let Some(failure) = compare(port, host.as_deref(), &model, &router, tally) {
            tally.failures.push(format!("{failure}\n{}", config.text));
        }
    }
}

/// Random requests: a Host from the configuration's names (decorated), a
/// fixed one, or none.
fn random_requests(rng: &mut Rng, config: &Config) -> Vec<Request> {
    (0..REQUESTS_PER_CONFIG)
        .map(|_| {
            let port = rng.pick(&config.ports);
            let host = match rng.below(20) {
                0 => None,
                1..=5 => Some(rng.pick(FIXED_HOSTS).to_string()),
                _ => {
                    let name = if config.names.is_empty() {
                        rng.pick(NAMES)
                    } else {
                        rng.pick(&config.names)
                    };
                    let hosts = hosts_for(rng, name);
                    let host = rng.pick(&hosts);
                    Some(decorate(rng, host, port))
                }
            };
            (port, host)
        })
        .collect()
}

#[test]
fn server_selection_agrees_with_nginx() {
    let Some(nginx) = common::nginx_or_skip("server selection differential test skipped") else {
        return;
    };
    let mut rng = Rng(SEED);
    let mut tally = Tally::default();

    // The hand-written configuration gets every fixed host and every example
    // host of every name (as is, upper case, with a trailing dot and a port),
    // then random requests.
    let dir = tempfile::tempdir().unwrap();
    let config = handwritten(dir.path(), common::free_port());
    let port = config.ports[0];
    let mut hosts: Vec<Option<String>> = vec![None];
    hosts.extend(FIXED_HOSTS.iter().map(|h| Some(h.to_string())));
    for name in NAMES {
        for host in hosts_for(&mut rng, name) {
            hosts.push(Some(host.to_uppercase()));
            hosts.push(Some(format!("{host}.:{port}")));
            hosts.push(Some(host));
        }
    }
    let mut requests: Vec<Request> = hosts.into_iter().map(|h| (port, h)).collect();
    requests.extend(random_requests(&mut rng, &config));
    check_config(&nginx, &config, dir.path(), requests, &mut tally);

    for i in 0..GENERATED_CONFIGS {
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<u16> = if i % 2 == 0 {
            vec![common::free_port()]
        } else {
            vec![common::free_port(), common::free_port()]
        };
        let config = generated(&mut rng, dir.path(), &ports);
        let requests = random_requests(&mut rng, &config);
        check_config(&nginx, &config, dir.path(), requests, &mut tally);
    }

    eprintln!(
        "{} requests compared with nginx; chosen by: {:?}; precedence decided: {:?}; \
         {} conflicting names",
        tally.requests, tally.by_rule, tally.contests, tally.conflicts
    );
    assert!(
        tally.failures.is_empty(),
        "{} disagreements, first:\n{}",
        tally.failures.len(),
        tally
            .failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    for rule in [
        "400",
        "no Host or \"\"",
        "exact",
        "*.x / .x",
        "x.*",
        "regex",
        "default",
    ] {
        assert!(
            tally.by_rule.get(rule).copied().unwrap_or(0) >= 20,
            "too few requests decided by {rule}: {:?}",
            tally.by_rule
        );
    }
    assert!(
        tally.contests.len() == 6 && tally.conflicts >= 20,
        "too few contests or conflicts: {:?}, {}",
        tally.contests,
        tally.conflicts
    );
}
