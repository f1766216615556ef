//! Helpers shared by the end-to-end test binaries (`mod support;`): the
//! checkout, nginx and the Python backends in `tests/support/`, free ports
//! and the binary under test on PATH. Not every binary uses every helper.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// NGINX_WSLINT_REQUIRE_NGINX=1: a missing nginx or Python backend fails
/// the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("NGINX_WSLINT_REQUIRE_NGINX").as_deref() == Ok("1")
}

/// `nginx` on PATH or in /usr/sbin.
pub fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

pub fn have_websockets() -> bool {
    Command::new("python3")
        .args(["-c", "import websockets.asyncio.server"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// nginx, when it and the Python backends can run; otherwise the notice
/// "... not found; {what} skipped" and `None` (a failure with
/// NGINX_WSLINT_REQUIRE_NGINX=1).
pub fn nginx_and_websockets_or_skip(what: &str) -> Option<PathBuf> {
    let Some(nginx) = find_nginx() else {
        assert!(
            !required(),
            "nginx is required (NGINX_WSLINT_REQUIRE_NGINX=1) but not installed"
        );
        eprintln!("notice: nginx not found; {what} skipped");
        return None;
    };
    if !have_websockets() {
        assert!(
            !required(),
            "python3 with the `websockets` library is required: pip install websockets"
        );
        eprintln!("notice: python3 websockets not installed; {what} skipped");
        return None;
    }
    Some(nginx)
}

/// A child process, killed and reaped when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `tests/support/SCRIPT PORT ARGS...` on a free port and waits for
/// its "ready".
pub fn backend(script: &str, args: &[&str]) -> (Killed, u16) {
    let port = free_port();
    let mut child = Command::new("python3")
        .arg(root().join("tests/support").join(script))
        .arg(port.to_string())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "{script} did not start");
    (Killed(child), port)
}

/// Writes `DIR/nginx.conf`: nginx in the foreground with everything under
/// DIR, and `http` the body of the http block.
pub fn nginx_conf(dir: &Path, http: &str) {
    let d = dir.display();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off; master_process off; error_log {d}/error.log; pid {d}/nginx.pid;\n\
             events {{}}\n\
             http {{\n  access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
             {http}\n}}\n"
        ),
    )
    .unwrap();
}

/// `fixtures/seeds/SEED` as `DIR/site.conf`, its backend (127.0.0.1:8000 or
/// :8001) moved to `backend` and `listen 80` to 127.0.0.1:`nginx_port`, and
/// an `nginx.conf` that includes it.
pub fn prepare_seed(dir: &Path, seed: &str, nginx_port: u16, backend: u16) {
    let text = std::fs::read_to_string(root().join("fixtures/seeds").join(seed)).unwrap();
    let text = text
        .replace("127.0.0.1:8000", &format!("127.0.0.1:{backend}"))
        .replace("127.0.0.1:8001", &format!("127.0.0.1:{backend}"))
        .replace("listen 80;", &format!("listen 127.0.0.1:{nginx_port};"));
    std::fs::write(dir.join("site.conf"), text).unwrap();
    nginx_conf(dir, "include site.conf;");
}

/// Starts nginx with `DIR/nginx.conf` and waits until it listens on `port`;
/// panics with nginx's error output if it exits first.
pub fn start_nginx(nginx: &Path, dir: &Path, port: u16) -> Killed {
    let mut child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-e", "stderr"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
            panic!("nginx exited with {status}: {err}");
        }
        assert!(Instant::now() < deadline, "nginx does not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    Killed(child)
}

/// `nginx-wslint --fix --exit-zero [EXTRA...] site.conf` in `dir`; it must
/// succeed.
pub fn fix_site(dir: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .arg("--fix")
        .args(extra)
        .args(["--exit-zero", "site.conf"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// PATH with the directory of the binary under test first.
pub fn path_with_binary() -> String {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_nginx-wslint"))
        .parent()
        .unwrap()
        .to_path_buf();
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The body of the first fenced code block of language `lang` (```` ```yaml ````,
/// ```` ```sh ````) under the README.md heading `heading` (a whole line such
/// as `"### pre-commit"`), before the next heading of the same or a higher
/// level. Tests take the README's copy-paste snippets from here, so the README
/// and what the tests run cannot drift apart. Panics, naming the heading and
/// the language, when there is no such heading or block.
pub fn readme_block(heading: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let level = heading.chars().take_while(|&c| c == '#').count();
    assert!(level > 0, "{heading:?} is not a markdown heading");
    let mut lines = readme.lines();
    assert!(
        lines.by_ref().any(|l| l.trim_end() == heading),
        "README.md has no heading {heading:?}"
    );
    let open = format!("```{lang}");
    let mut in_other_block = false;
    for line in lines.by_ref() {
        if line.starts_with("```") {
            if !in_other_block && line.trim_end() == open {
                let mut body = String::new();
                for line in lines.by_ref() {
                    if line.trim_end() == "```" {
                        return body;
                    }
                    body.push_str(line);
                    body.push('\n');
                }
                panic!("README.md: the {open} block under {heading:?} is not closed");
            }
            in_other_block = !in_other_block;
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let is_heading = !in_other_block && hashes > 0 && line[hashes..].starts_with(' ');
        if is_heading && hashes <= level {
            break;
        }
    }
    panic!("README.md: no {open} block under {heading:?} (before the next heading)");
}
