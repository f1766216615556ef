//! `nginx-wslint probe` (issue 9) against real nginx on 127.0.0.1 in front
//! of real backends: the strict `websockets` echo server
//! (`tests/support/ws_echo.py`), a WSGI-like plain HTTP server
//! (`wsgi_like.py`) and misbehaving WebSocket servers (`ws_fake.py`). Every
//! classification the probe makes is produced here at least once.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{backend, free_port, required, start_nginx, Killed};

/// nginx, when it and the Python backends can run; otherwise a notice and
/// `None` (a failure with NGINX_WSLINT_REQUIRE_NGINX=1).
fn nginx_or_skip(test: &str) -> Option<PathBuf> {
    support::nginx_and_websockets_or_skip(&format!("probe test {test}"))
}

/// A running nginx; dropped, it is killed and its directory removed.
struct Nginx {
    _child: Killed,
    dir: tempfile::TempDir,
    port: u16,
}

impl Nginx {
    /// `ws://127.0.0.1:PORT` followed by `path`.
    fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }
}

/// The location body that proxies WebSockets correctly to `port`.
fn good(port: u16) -> String {
    format!(
        "proxy_pass http://127.0.0.1:{port}; proxy_http_version 1.1; \
         proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;"
    )
}

/// `nginx.conf` with the `$connection_upgrade` map and `site`.
fn nginx_conf(dir: &Path, site: &str) {
    support::nginx_conf(
        dir,
        &format!("map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n{site}"),
    );
}

fn start(nginx: &Path, dir: tempfile::TempDir, port: u16) -> Nginx {
    Nginx {
        _child: start_nginx(nginx, dir.path(), port),
        dir,
        port,
    }
}

/// nginx with one server on a free port; `body` is the server block's body.
fn serve(nginx: &Path, body: &str) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    nginx_conf(
        dir.path(),
        &format!("server {{ listen 127.0.0.1:{port}; server_name localhost;\n{body}\n}}"),
    );
    start(nginx, dir, port)
}

/// nginx proxying WebSockets correctly (see [`good`]) from `location` to
/// `backend`.
fn proxy_to(nginx: &Path, location: &str, backend: u16) -> Nginx {
    serve(
        nginx,
        &format!("location {location} {{ {} }}", good(backend)),
    )
}

/// `nginx-wslint probe ARGS OPTIONS...`.
fn run_probe(args: &[&str], options: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .arg("probe")
        .args(args)
        .args(options)
        .output()
        .unwrap()
}

/// Runs the probe with JSON output and `--timeout TIMEOUT`: (exit code,
/// report).
fn probe_json(args: &[&str], timeout: &str) -> (i32, Value) {
    let o = run_probe(args, &["--timeout", timeout, "--output-format", "json"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    eprintln!("probe {args:?}: {report}");
    (o.status.code().unwrap(), report)
}

/// Runs the probe with JSON output: (exit code, report).
fn probe(args: &[&str]) -> (i32, Value) {
    probe_json(args, "5s")
}

/// Runs the probe with a one-second timeout: (exit code, report).
fn probe_quick(args: &[&str]) -> (i32, Value) {
    probe_json(args, "1s")
}

/// Runs the probe with human output: (exit code, stdout, stderr).
fn probe_human(args: &[&str]) -> (i32, String, String) {
    let o = run_probe(args, &["--timeout", "5s"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    eprintln!("probe {args:?}:\n{out}");
    (
        o.status.code().unwrap(),
        out,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn kind(report: &Value) -> &str {
    report["classification"]["kind"].as_str().unwrap()
}

fn rule(report: &Value) -> Option<&str> {
    report["classification"]["rule"].as_str()
}

fn message(report: &Value) -> &str {
    report["classification"]["message"].as_str().unwrap()
}

fn step_names(report: &Value) -> Vec<(String, bool)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["ok"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn steps(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(n, ok)| (n.to_string(), *ok)).collect()
}

/// Asserts a failed handshake answered with `status`.
fn assert_status(report: &Value, status: u64, rule_code: Option<&str>) {
    assert_eq!(report["ok"], false);
    assert_eq!(report["classification"]["status"], status, "{report}");
    assert_eq!(rule(report), rule_code, "{report}");
    assert_eq!(
        step_names(report),
        steps(&[("dns", true), ("tcp", true), ("handshake", false)])
    );
}

#[test]
fn a_good_configuration_works_with_an_idle_hold() {
    let Some(nginx) = nginx_or_skip("good configuration") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let n = proxy_to(&nginx, "/ws/", b);
    let url = n.url("/ws/");
    let (code, report) = probe(&[&url, "--idle", "1s"]);
    assert_eq!(code, 0);
    assert_eq!(report["ok"], true);
    assert_eq!(kind(&report), "ok");
    assert_eq!(report["url"], url);
    assert_eq!(
        step_names(&report),
        steps(&[
            ("dns", true),
            ("tcp", true),
            ("handshake", true),
            ("echo", true),
            ("idle", true)
        ])
    );
    let echo = &report["steps"][3];
    assert!(echo["detail"].as_str().unwrap().contains("text echoed"));
    let idle = report["steps"][4]["millis"].as_f64().unwrap();
    assert!((1000.0..4000.0).contains(&idle), "{idle}");
    for s in report["steps"].as_array().unwrap() {
        assert!(s["millis"].as_f64().unwrap() >= 0.0);
    }

    // The human output: one line per step and the conclusion.
    let (code, out, _) = probe_human(&[&url]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("probe {url}"));
    assert!(
        lines[3].trim_start().starts_with("ok    handshake"),
        "{out}"
    );
    assert!(
        lines[3].contains("HTTP/1.1 101 Switching Protocols"),
        "{out}"
    );
    assert!(out.contains("\nok: the endpoint works"), "{out}");
}

#[test]
fn missing_upgrade_headers_are_426_and_name_ws001_ws002() {
    let Some(nginx) = nginx_or_skip("426") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let n = serve(
        &nginx,
        &format!("location /ws/ {{ proxy_pass http://127.0.0.1:{b}; proxy_http_version 1.1; }}"),
    );
    let (code, report) = probe(&[&n.url("/ws/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "http-status");
    assert_status(&report, 426, Some("WS001"));
    assert_eq!(
        report["classification"]["rules"],
        serde_json::json!(["WS001", "WS002", "WS009"])
    );
    let detail = report["steps"][2]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("HTTP/1.1 426 Upgrade Required from the server behind nginx"),
        "{detail}"
    );
    // The backend's own explanation is quoted.
    assert!(
        detail.contains("Failed to open a WebSocket connection"),
        "{detail}"
    );
}

#[test]
fn seed_002_is_505_naming_ws003_and_works_after_the_fix() {
    let Some(nginx) = nginx_or_skip("seed 002") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    support::prepare_seed(dir.path(), "002-chat-proxy-location.conf", port, b);
    let url = format!("ws://127.0.0.1:{port}/ws/");
    let host = "Host: chat.example.org";
    let n = start(&nginx, dir, port);
    let (code, report) = probe(&[&url, "-H", host]);
    assert_eq!(code, 1);
    assert_status(&report, 505, Some("WS003"));
    assert!(message(&report).contains("proxy_http_version 1.1"));
    let (_, out, _) = probe_human(&[&url, "-H", host]);
    assert!(out.contains("see WS003 missing-http-version"), "{out}");
    drop(n._child);

    support::fix_site(n.dir.path(), &[]);
    let _n = start(&nginx, n.dir, port);
    let (code, report) = probe(&[&url, "-H", host, "--idle", "1s"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(kind(&report), "ok");
}

#[test]
fn a_backend_that_is_down_is_502_naming_ws008() {
    let Some(nginx) = nginx_or_skip("502") else {
        return;
    };
    let n = proxy_to(&nginx, "/ws/", free_port());
    let (code, report) = probe(&[&n.url("/ws/")]);
    assert_eq!(code, 1);
    assert_status(&report, 502, Some("WS008"));
    assert!(report["steps"][2]["detail"]
        .as_str()
        .unwrap()
        .contains("from nginx/"));
}

#[test]
fn proxy_read_timeout_0_is_504_naming_ws014() {
    let Some(nginx) = nginx_or_skip("504") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let n = serve(
        &nginx,
        &format!("location /ws/ {{ {} proxy_read_timeout 0; }}", good(b)),
    );
    let (code, report) = probe(&[&n.url("/ws/")]);
    assert_eq!(code, 1);
    assert_status(&report, 504, Some("WS014"));
}

#[test]
fn a_missing_location_is_404_from_nginx_naming_ws007() {
    let Some(nginx) = nginx_or_skip("404") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let n = proxy_to(&nginx, "/api/ws/", b);
    let (code, report) = probe(&[&n.url("/ws/")]);
    assert_eq!(code, 1);
    assert_status(&report, 404, Some("WS007"));
    let m = message(&report);
    assert!(m.starts_with("404 Not Found from nginx itself"), "{m}");
    assert!(
        m.contains("nginx-wslint route CONFIG /ws/ --host 127.0.0.1"),
        "{m}"
    );
}

#[test]
fn a_wsgi_backend_answers_404_and_400() {
    let Some(nginx) = nginx_or_skip("WSGI backend") else {
        return;
    };
    let (_wsgi, b) = backend("wsgi_like.py", &[]);
    let n = proxy_to(&nginx, "/", b);

    let (code, report) = probe(&[&n.url("/ws/chat/")]);
    assert_eq!(code, 1);
    assert_status(&report, 404, None);
    let m = message(&report);
    assert!(
        m.starts_with("404 Not Found from the server behind nginx/"),
        "{m}"
    );
    assert!(m.contains("WSGI server"), "{m}");
    let detail = report["steps"][2]["detail"].as_str().unwrap();
    assert!(detail.ends_with(": \"Not Found\""), "{detail}");

    let (code, report) = probe(&[&n.url("/socket.io/?EIO=4&transport=websocket")]);
    assert_eq!(code, 1);
    assert_status(&report, 400, Some("WS003"));
    assert!(message(&report).contains("WSGI server"));
    let detail = report["steps"][2]["detail"].as_str().unwrap();
    assert!(detail.contains("Bad request"), "{detail}");
}

#[test]
fn stripped_upgrade_headers_give_200_without_upgrade() {
    let Some(nginx) = nginx_or_skip("200 without upgrade") else {
        return;
    };
    let (_wsgi, b) = backend("wsgi_like.py", &[]);
    // A location that proxies but forwards no upgrade: the application
    // serves its page.
    let n = serve(
        &nginx,
        &format!("location / {{ proxy_pass http://127.0.0.1:{b}; }}"),
    );
    let (code, report) = probe(&[&n.url("/page")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "no-upgrade");
    assert_status(&report, 200, Some("WS001"));
    assert!(message(&report).contains("stripped"));
}

#[test]
fn an_idle_hold_cut_by_proxy_read_timeout_names_ws006() {
    let Some(nginx) = nginx_or_skip("idle hold") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let n = serve(
        &nginx,
        &format!("location /ws/ {{ {} proxy_read_timeout 2s; }}", good(b)),
    );
    let url = n.url("/ws/");
    let (code, report) = probe(&[&url, "--idle", "4s"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "idle-closed");
    assert_eq!(rule(&report), Some("WS006"));
    assert_eq!(report["classification"]["close_code"], 1006);
    let after = report["classification"]["after_ms"].as_u64().unwrap();
    assert!((1500..3500).contains(&after), "closed after {after} ms");
    assert!(message(&report).contains("proxy_read_timeout"));
    assert_eq!(
        step_names(&report),
        steps(&[
            ("dns", true),
            ("tcp", true),
            ("handshake", true),
            ("echo", true),
            ("idle", false)
        ])
    );
    let (code, out, _) = probe_human(&[&url, "--idle", "4s"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("failed (idle-closed): the connection was closed after 2."),
        "{out}"
    );
    assert!(out.contains("see WS006 short-proxy-timeout"), "{out}");
}

#[test]
fn a_closed_port_is_tcp_refused() {
    let port = free_port();
    let (code, report) = probe(&[&format!("ws://127.0.0.1:{port}/ws/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "tcp-refused");
    assert_eq!(step_names(&report), steps(&[("dns", true), ("tcp", false)]));
    assert!(message(&report).contains("connection refused"));
}

#[test]
fn an_unknown_name_is_a_dns_failure() {
    let (code, report) = probe(&["ws://no-such-host.invalid/ws/"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "dns");
    assert_eq!(step_names(&report), steps(&[("dns", false)]));
    assert!(message(&report).contains("no-such-host.invalid does not resolve"));
}

#[test]
fn a_wrong_accept_is_classified() {
    let Some(nginx) = nginx_or_skip("bad accept") else {
        return;
    };
    let (_fake, b) = backend("ws_fake.py", &["bad-accept"]);
    let n = proxy_to(&nginx, "/ws/", b);
    let (code, report) = probe(&[&n.url("/ws/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "bad-accept");
    assert!(report["steps"][2]["detail"]
        .as_str()
        .unwrap()
        .starts_with("Sec-WebSocket-Accept is"));
    // Directly, without nginx, too.
    let (code, report) = probe(&[&format!("ws://127.0.0.1:{b}/ws/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "bad-accept");
}

#[test]
fn close_codes_are_explained() {
    let Some(nginx) = nginx_or_skip("close codes") else {
        return;
    };
    for (mode, code, meaning) in [
        (&["close", "1011"][..], 1011, "internal server error"),
        (&["close", "4001"][..], 4001, "application-defined"),
        (&["drop"][..], 1006, "without a close frame"),
    ] {
        let (_fake, b) = backend("ws_fake.py", mode);
        let n = proxy_to(&nginx, "/ws/", b);
        let (exit, report) = probe(&[&n.url("/ws/")]);
        assert_eq!(exit, 1);
        assert_eq!(kind(&report), "closed", "{report}");
        assert_eq!(report["classification"]["close_code"], code);
        let m = message(&report);
        assert!(m.contains(meaning), "{m}");
        if code != 1006 {
            assert!(m.contains("reason: \"fake close\""), "{m}");
        }
        assert_eq!(report["steps"][3]["name"], "echo");
        assert_eq!(report["steps"][3]["ok"], false);
    }
}

#[test]
fn a_server_that_never_answers_is_no_response() {
    let Some(_nginx) = nginx_or_skip("no response") else {
        return;
    };
    let (_fake, b) = backend("ws_fake.py", &["silent"]);
    let (code, report) = probe_quick(&[&format!("ws://127.0.0.1:{b}/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "no-response");
}

#[test]
fn broken_websocket_servers_are_classified() {
    let Some(_nginx) = nginx_or_skip("broken WebSocket servers") else {
        return;
    };
    let (_fake, b) = backend("ws_fake.py", &["no-upgrade-header"]);
    let (code, report) = probe_quick(&[&format!("ws://127.0.0.1:{b}/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "bad-handshake");
    assert!(message(&report).starts_with("101 without `Upgrade: websocket`"));

    let (_fake, b) = backend("ws_fake.py", &["reserved-bits"]);
    let (code, report) = probe_quick(&[&format!("ws://127.0.0.1:{b}/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "protocol-error");
    assert!(message(&report).contains("reserved bits"));

    // A server that never answers a ping.
    let (_fake, b) = backend("ws_fake.py", &["mute"]);
    let (code, report) = probe_quick(&[&format!("ws://127.0.0.1:{b}/")]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "no-pong");
    assert_eq!(report["steps"][3]["name"], "echo");

    // A path that answers before the hold and silently drops everything
    // after it.
    let (_fake, b) = backend("ws_fake.py", &["pong-once"]);
    let (code, report) = probe_quick(&[&format!("ws://127.0.0.1:{b}/"), "--idle", "500ms"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "idle-dead");
    assert_eq!(report["steps"][4]["name"], "idle");
    assert_eq!(report["steps"][4]["ok"], false);
}

#[test]
fn origin_and_header_options_are_sent() {
    let Some(nginx) = nginx_or_skip("origin and headers") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let n = serve(
        &nginx,
        &format!(
            "location /ws/ {{ if ($http_origin != \"https://app.example\") {{ return 403; }} \
             if ($http_x_token != \"s3cret\") {{ return 401; }} {} }}",
            good(b)
        ),
    );
    let url = n.url("/ws/");
    let (_, report) = probe(&[&url]);
    assert_status(&report, 403, None);
    assert!(message(&report).contains("from nginx itself"));
    let (_, report) = probe(&[&url, "--origin", "https://app.example"]);
    assert_status(&report, 401, None);
    let (code, report) = probe(&[
        &url,
        "--origin",
        "https://app.example",
        "--header",
        "X-Token: s3cret",
    ]);
    assert_eq!(code, 0, "{report}");
}

/// A CA and a server certificate for localhost and 127.0.0.1, made with the
/// openssl command; `None` when it is not installed.
fn make_certificates(dir: &Path) -> Option<()> {
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Some(())
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=probe test CA",
            ],
        ]
        .concat(),
    )?;
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    )?;
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ])
}

#[test]
fn wss_through_nginx_terminating_tls() {
    let Some(nginx) = nginx_or_skip("TLS") else {
        return;
    };
    let (_echo, b) = backend("ws_echo.py", &[]);
    let dir = tempfile::tempdir().unwrap();
    if make_certificates(dir.path()).is_none() {
        assert!(
            !required(),
            "the openssl command is required for the TLS test"
        );
        eprintln!("notice: openssl not found; probe TLS test skipped");
        return;
    }
    let port = free_port();
    let d = dir.path().display();
    nginx_conf(
        dir.path(),
        &format!(
            "server {{ listen 127.0.0.1:{port} ssl; server_name localhost;\n\
             ssl_certificate {d}/server.pem; ssl_certificate_key {d}/server.key;\n\
             location /ws/ {{ {} }} }}",
            good(b)
        ),
    );
    let ca = dir.path().join("ca.pem");
    let ca = ca.to_str().unwrap().to_string();
    let n = start(&nginx, dir, port);

    for url in [
        format!("wss://localhost:{}/ws/", n.port),
        format!("wss://127.0.0.1:{}/ws/", n.port),
    ] {
        let (code, report) = probe(&[&url, "--cacert", &ca, "--idle", "1s"]);
        assert_eq!(code, 0, "{report}");
        let names: Vec<String> = step_names(&report).into_iter().map(|s| s.0).collect();
        assert_eq!(names, ["dns", "tcp", "tls", "handshake", "echo", "idle"]);
        assert!(report["steps"][2]["detail"]
            .as_str()
            .unwrap()
            .starts_with("TLS 1."));
    }
    let url = format!("wss://localhost:{}/ws/", n.port);
    let (code, report) = probe(&[&url, "--insecure"]);
    assert_eq!(code, 0, "{report}");

    let (code, report) = probe(&[&url]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "tls");
    assert_eq!(
        step_names(&report),
        steps(&[("dns", true), ("tcp", true), ("tls", false)])
    );
    let m = message(&report);
    assert!(m.contains("--cacert") && m.contains("--insecure"), "{m}");

    // ws:// to the TLS port: nginx's own 400 says so.
    let (code, report) = probe(&[&n.url("/ws/")]);
    assert_eq!(code, 1);
    assert_status(&report, 400, None);
    assert!(message(&report).contains("plain HTTP request was sent to HTTPS port"));
}

#[test]
fn wss_to_a_plain_port_is_a_tls_error() {
    let Some(nginx) = nginx_or_skip("TLS on a plain port") else {
        return;
    };
    let n = serve(&nginx, "location / { return 200; }");
    let (code, report) = probe(&[&format!("wss://127.0.0.1:{}/", n.port), "--insecure"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&report), "tls");
    assert!(
        message(&report).contains("try ws://"),
        "{}",
        message(&report)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["ftp://example.org/"][..],
        &["example.org/ws"],
        &["ws://example.org/", "--idle", "5x"],
        &["ws://example.org/", "--timeout", "0"],
        &["ws://example.org/", "--header", "no colon"],
        &["wss://example.org/", "--cacert", "/nonexistent/ca.pem"],
        &["ws://example.org/", "--cacert", "x", "--insecure"],
        &[],
    ] {
        let o = run_probe(args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!o.stderr.is_empty(), "{args:?}");
    }
}
