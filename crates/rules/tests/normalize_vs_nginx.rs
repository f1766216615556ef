//! Differential test of `routing::normalize` against a real nginx.
//!
//! A foreground nginx on 127.0.0.1 (in a temporary directory, never as a
//! service) answers every request with `$args#$uri` — the arguments cannot
//! contain a `#`, so the split is unambiguous — and `$uri` is the normalised
//! URI nginx matches `location`s against. Each target is sent raw as
//! `GET <target> HTTP/1.0` to a server with `merge_slashes on` and to one
//! with `merge_slashes off`, and nginx's answer (200 with `$uri`/`$args`, or
//! 400) must agree with `normalize_with` on every target.
//!
//! Without nginx the test prints a notice and passes, unless
//! `NGINX_WSLINT_REQUIRE_NGINX=1` is set.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nginx_wslint_rules::routing::normalize::{normalize_with, Normalized};

/// Random targets generated on top of the hand-written ones.
const GENERATED: usize = 6000;
const SEED: u64 = 0x6e67_696e_785f_7572; // "nginx_ur"

/// A foreground nginx with two servers: `merge_slashes on` on `ports[0]`,
/// `merge_slashes off` on `ports[1]`. Killed on drop.
struct Nginx {
    child: Child,
    ports: [u16; 2],
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(binary: &Path) -> Nginx {
        // A port picked by binding port 0 may be taken again before nginx
        // binds it: try a few times.
        let mut last_error = String::new();
        for _ in 0..5 {
            match Nginx::try_start(binary) {
                Ok(nginx) => return nginx,
                Err(e) => last_error = e,
            }
        }
        panic!("nginx did not start: {last_error}");
    }

    fn try_start(binary: &Path) -> Result<Nginx, String> {
        let ports = [common::free_port(), common::free_port()];
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path().display();
        let server = |port: u16, merge: &str| {
            format!(
                "  server {{\n    listen 127.0.0.1:{port};\n    merge_slashes {merge};\n    \
                 location / {{ return 200 \"$args#$uri\"; }}\n  }}\n"
            )
        };
        let conf = format!(
            "daemon off;\nmaster_process off;\nerror_log {d}/error.log;\npid {d}/nginx.pid;\n\
             events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n{}{}}}\n",
            server(ports[0], "on"),
            server(ports[1], "off"),
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .args(["-e", "stderr"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let mut nginx = Nginx {
            child,
            ports,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while ports
            .iter()
            .any(|&port| TcpStream::connect(("127.0.0.1", port)).is_err())
        {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = nginx.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                return Err(format!("nginx exited ({status}): {stderr}"));
            }
            if Instant::now() > deadline {
                return Err(format!("nginx did not listen on {ports:?} within 10 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(nginx)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What nginx answered, reduced to what `normalize` predicts.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// 200: `$uri` and `$args`.
    Ok { path: Vec<u8>, args: Vec<u8> },
    /// 400 Bad Request.
    BadRequest,
    /// Anything else: another status, or no status line at all.
    Other(String),
}

impl Answer {
    fn expected(normalized: &Normalized) -> Answer {
        match normalized {
            Normalized::Ok { path, args } => Answer::Ok {
                path: path.clone(),
                args: args.clone().unwrap_or_default(),
            },
            Normalized::Invalid(_) => Answer::BadRequest,
        }
    }
}

/// Sends `GET <target> HTTP/1.0` to `port` and reads the whole answer.
fn ask(port: u16, target: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to nginx");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(target);
    request.extend_from_slice(b" HTTP/1.0\r\nHost: x\r\n\r\n");
    stream.write_all(&request).expect("send the request");
    let mut response = Vec::new();
    if let Err(e) = stream.read_to_end(&mut response) {
        return Answer::Other(format!("read error: {e}"));
    }
    let Some(head_end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Answer::Other(format!("no header: {}", show(&response)));
    };
    let head = String::from_utf8_lossy(&response[..head_end]);
    let body = &response[head_end + 4..];
    let status = head.split_whitespace().nth(1).unwrap_or("");
    match status {
        "200" => {
            // `$args` never contains `#`: the first `#` separates.
            let split = body.iter().position(|&b| b == b'#').unwrap_or(body.len());
            Answer::Ok {
                args: body[..split].to_vec(),
                path: body.get(split + 1..).unwrap_or_default().to_vec(),
            }
        }
        "400" => Answer::BadRequest,
        _ => Answer::Other(head.lines().next().unwrap_or("").to_string()),
    }
}

/// Bytes with everything outside printable ASCII escaped.
fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

fn show_answer(answer: &Answer) -> String {
    match answer {
        Answer::Ok { path, args } => format!("200 uri={:?} args={:?}", show(path), show(args)),
        Answer::BadRequest => "400".to_string(),
        Answer::Other(s) => format!("other: {s}"),
    }
}

/// Targets whose outcome is worth pinning by hand: every rule of
/// `ngx_http_parse_complex_uri` and `ngx_http_parse_request_line`.
fn edge_cases() -> Vec<Vec<u8>> {
    let texts: &[&[u8]] = &[
        b"/",
        b"//",
        b"///",
        b"/.",
        b"/..",
        b"/...",
        b"/./",
        b"/../",
        b"/a/..",
        b"/a/../",
        b"/a/../..",
        b"/a/./b/../../c",
        b"/a//..",
        b"//..",
        b"//../a",
        b"/a/b/..?x",
        b"/a/b/..#x",
        b"/..?x",
        b"/..#x",
        b"/.?x",
        b"/.#x",
        b"/a/.?x",
        b"/%2e",
        b"/%2E%2e",
        b"/%2e%2e/",
        b"/a/%2e%2e",
        b"/a/.%2e/b",
        b"/a%2fb",
        b"/a%2F%2Fb",
        b"/a/%2F/../b",
        b"/%25",
        b"/%2525",
        b"/%2541",
        b"/%23",
        b"/%23?a",
        b"/%3F",
        b"/%3f?%3F",
        b"/.%3F",
        b"/..%23/a",
        b"/%00",
        b"/a?%00",
        b"/a#%00",
        b"/%",
        b"/%4",
        b"/%zz",
        b"/%4g",
        b"/%G1",
        b"/%%",
        b"/a?%",
        b"/a#%",
        b"/%41%42",
        b"/%61",
        b"/%20",
        b"/%0A",
        b"/%0d%0a",
        b"/%01",
        b"/%7F",
        b"/%7f",
        b"/%80",
        b"/%FF",
        b"/%C3%A9",
        b"/caf\xc3\xa9",
        b"/\x80\xff",
        b"/a+b",
        b"/%2B",
        b"/a?b+c",
        b"/a;b=c",
        b"/~user",
        b"/a\\b",
        b"/a?",
        b"/a??",
        b"/a?b?c",
        b"/a?b#c",
        b"/a?b#c?d",
        b"/a#b?c",
        b"/a#",
        b"/#",
        b"/#?",
        b"/?",
        b"/?#",
        b"/a?b/../c",
        b"/a?b//c",
        b"/a/b?../..",
        b"/a\x00b",
        b"/a\x01",
        b"/a\tb",
        b"/a\x1f",
        b"/a\x7f",
        b"/a b",
        b"/a\rb",
        b"/a?b c",
        b"/a?b\x7f",
        b"/a#b\x01",
        b"*",
        b"a",
        b"?a",
        b"#a",
        b".",
        b"..",
        b"%2F",
        b"\\a",
        b"http://x",
        b"http://x/",
        b"http://x:8080",
        b"http://x:8080/a",
        b"http://x:/a",
        b"http://x?a",
        b"http://x:1?a",
        b"http://x/a/../b?c#d",
        b"http://x//a",
        b"http://x/..",
        b"HTTP://X.Example-1.COM/",
        b"foo+bar.baz-1://x/a",
        b"http://[::1]/a",
        b"http://[::1]:80/a",
        b"http://[v1.x_~!$&'()*+,;=]/",
        b"http://[::1",
        b"http://[]/",
        b"http://[::1]x/",
        b"http://x./",
        b"http://x../",
        b"http://a..b/",
        b"http://.x/",
        b"http://./",
        b"http://.:80/",
        b"http:///",
        b"http:///a",
        b"http://:80/",
        b"http://",
        b"http:/",
        b"http:",
        b"http",
        b"http:x",
        b"http:/x",
        b"http://a_b/",
        b"http://user@host/",
        b"http://x:8o/",
        b"http://x#a",
        b"http://x%41/",
        b"1http://x/",
        b"h%74tp://x/",
    ];
    texts.iter().map(|t| t.to_vec()).collect()
}

/// Pieces of generated targets, weighted towards what nginx treats
/// specially.
const PIECES: &[(u32, &[u8])] = &[
    (30, b"/"),
    (8, b"//"),
    (12, b"."),
    (12, b".."),
    (6, b"/."),
    (6, b"/.."),
    (4, b"%2F"),
    (4, b"%2f"),
    (4, b"%2E"),
    (4, b"%2e"),
    (3, b"%25"),
    (3, b"%41"),
    (2, b"%61"),
    (2, b"%3F"),
    (2, b"%3f"),
    (2, b"%23"),
    (2, b"%2B"),
    (1, b"%20"),
    (1, b"%0A"),
    (1, b"%01"),
    (1, b"%7F"),
    (2, b"%C3%A9"),
    (1, b"%ff"),
    (1, b"%80"),
    // Escapes nginx refuses in the path (but not in the arguments).
    (1, b"%00"),
    (1, b"%zz"),
    (1, b"%"),
    (1, b"%4"),
    (8, b"?"),
    (5, b"#"),
    (3, b"+"),
    (2, b";"),
    (1, b"="),
    (1, b"&"),
    (1, b":"),
    (1, b"@"),
    (1, b"\\"),
    (2, b"~"),
    (1, b"-"),
    (1, b"_"),
    (10, b"a"),
    (3, b"b"),
    (3, b"Z"),
    (2, b"x"),
    (3, b"0"),
    (2, b"9"),
    (2, b"\xc3\xa9"),
    (1, b"\x80"),
    (1, b"\xff"),
];

/// Raw bytes nginx refuses anywhere in a request target, inserted now and
/// then. No LF: nginx would take the request for HTTP/0.9. A space is only
/// ever put inside a target (at its ends it would just separate the
/// request line's words), and no piece contains an `H`, so a space is
/// never followed by what looks like the HTTP version.
const CONTROLS: &[(u32, &[u8])] = &[
    (1, b"\x00"),
    (1, b"\x01"),
    (1, b"\t"),
    (1, b"\x1f"),
    (1, b"\x7f"),
    (1, b"\r"),
    (2, b" "),
];

/// Authorities of generated absolute URIs, valid and not.
const AUTHORITIES: &[(u32, &[u8])] = &[
    (4, b"x"),
    (2, b"a.b:80"),
    (2, b"[::1]"),
    (1, b"[::1]:8080"),
    (1, b"X.Example-1.COM."),
    (1, b"x:"),
    (1, b"a..b"),
    (1, b"."),
    (1, b""),
    (1, b":80"),
    (1, b"a_b"),
];

const SCHEMES: &[(u32, &[u8])] = &[
    (4, b"http://"),
    (1, b"HtTpS://"),
    (1, b"ws+x.y-z://"),
    (1, b"http:/"),
];

fn generate(rng: &mut common::Rng) -> Vec<u8> {
    let mut target = match rng.below(100) {
        0..=86 => b"/".to_vec(),
        87..=96 => {
            let mut t = rng.weighted(SCHEMES).to_vec();
            t.extend_from_slice(rng.weighted(AUTHORITIES));
            t.extend_from_slice(rng.weighted(&[(8, b"/"), (1, b"?"), (1, b"")]));
            t
        }
        // Neither "/" nor a scheme: whatever the first piece is.
        _ => Vec::new(),
    };
    let pieces = 1 + rng.below(12);
    for _ in 0..pieces {
        target.extend_from_slice(rng.weighted(PIECES));
    }
    if rng.below(100) < 4 {
        // Strictly inside: a space at either end would separate words.
        let at = 1 + rng.below(target.len().max(1));
        let at = at.min(target.len());
        target.splice(at..at, rng.weighted(CONTROLS).iter().copied());
        if target.last() == Some(&b' ') {
            target.push(b'a');
        }
    }
    target
}

#[test]
fn normalize_agrees_with_nginx() {
    let Some(binary) = common::nginx_or_skip("test skipped (apt-get install -y nginx-light)")
    else {
        return;
    };
    let started = Instant::now();
    let nginx = Nginx::start(&binary);

    let mut targets = edge_cases();
    let mut rng = common::Rng(SEED);
    targets.extend((0..GENERATED).map(|_| generate(&mut rng)));

    let mut checked = 0;
    let mut invalid = std::collections::BTreeMap::new();
    let mut disagreements = Vec::new();
    for target in &targets {
        for (port, merge_slashes) in [(nginx.ports[0], true), (nginx.ports[1], false)] {
            let ours = normalize_with(target, merge_slashes);
            if let Normalized::Invalid(reason) = &ours {
                *invalid.entry(*reason).or_insert(0usize) += 1;
            }
            let expected = Answer::expected(&ours);
            let got = ask(port, target);
            checked += 1;
            if got != expected {
                disagreements.push(format!(
                    "target {:?} (merge_slashes {}): nginx {}, normalize {} ({ours:?})",
                    show(target),
                    if merge_slashes { "on" } else { "off" },
                    show_answer(&got),
                    show_answer(&expected),
                ));
            }
        }
    }
    eprintln!(
        "{checked} requests ({} targets, {} answered 400) in {:.2?}",
        targets.len(),
        invalid.values().sum::<usize>(),
        started.elapsed()
    );
    for (reason, count) in &invalid {
        eprintln!("  {count:5} × 400: {reason}");
    }
    assert!(
        disagreements.is_empty(),
        "{} of {checked} requests disagree; the first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
