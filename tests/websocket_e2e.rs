//! End to end (issue 5, proof 3): for seed configurations, real nginx on
//! 127.0.0.1 in front of a strict WebSocket echo server (the `websockets`
//! Python library's): the handshake and an echo round-trip fail before
//! `nginx-wslint --fix` and succeed after it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn required() -> bool {
    std::env::var("NGINX_WSLINT_REQUIRE_NGINX").as_deref() == Ok("1")
}

fn nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

fn have_websockets() -> bool {
    Command::new("python3")
        .args(["-c", "import websockets.asyncio.server"])
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_backend(port: u16) -> Killed {
    let mut child = Command::new("python3")
        .arg(root().join("tests/support/ws_echo.py"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    Killed(child)
}

fn start_nginx(nginx: &Path, dir: &Path, port: u16) -> Killed {
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-e", "stderr"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(port);
    Killed(child)
}

/// A WebSocket handshake and one echoed text frame; `Err` says what failed.
fn round_trip(port: u16, path: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => {
                return Err(format!(
                    "connection closed after {:?}",
                    String::from_utf8_lossy(&head)
                ))
            }
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head.lines().next().unwrap_or("").to_string();
    if !status.contains(" 101 ") {
        return Err(format!("handshake answered `{status}`"));
    }
    // A masked text frame "ping"; the echo comes back unmasked.
    let mask = [1u8, 2, 3, 4];
    let payload: Vec<u8> = b"ping"
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    let mut frame = vec![0x81, 0x80 | 4];
    frame.extend_from_slice(&mask);
    frame.extend_from_slice(&payload);
    stream.write_all(&frame).map_err(|e| e.to_string())?;
    let mut reply = [0u8; 6];
    stream
        .read_exact(&mut reply)
        .map_err(|e| format!("no echo: {e}"))?;
    if &reply[2..] != b"ping" {
        return Err(format!("unexpected echo {reply:?}"));
    }
    Ok(())
}

fn prepare(dir: &Path, seed: &str, nginx_port: u16, backend: u16) {
    let text = std::fs::read_to_string(root().join("fixtures/seeds").join(seed)).unwrap();
    let text = text
        .replace("127.0.0.1:8000", &format!("127.0.0.1:{backend}"))
        .replace("127.0.0.1:8001", &format!("127.0.0.1:{backend}"))
        .replace("listen 80;", &format!("listen 127.0.0.1:{nginx_port};"));
    std::fs::write(dir.join("site.conf"), text).unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off; master_process off; error_log {d}/error.log; pid {d}/nginx.pid;\nevents {{}}\n\
             http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\ninclude site.conf;\n}}\n"
        ),
    )
    .unwrap();
}

fn check_seed(nginx: &Path, seed: &str, path: &str, unsafe_fixes: bool) {
    let dir = tempfile::tempdir().unwrap();
    let backend_port = free_port();
    let nginx_port = free_port();
    let _backend = start_backend(backend_port);
    prepare(dir.path(), seed, nginx_port, backend_port);
    {
        let _nginx = start_nginx(nginx, dir.path(), nginx_port);
        let before = round_trip(nginx_port, path);
        assert!(
            before.is_err(),
            "{seed}: the broken configuration already works"
        );
        eprintln!("{seed} before the fix: {}", before.unwrap_err());
    }
    let mut args = vec!["--fix", "--exit-zero", "site.conf"];
    if unsafe_fixes {
        args.insert(1, "--unsafe-fixes");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _nginx = start_nginx(nginx, dir.path(), nginx_port);
    if let Err(e) = round_trip(nginx_port, path) {
        panic!(
            "{seed}: still failing after the fix: {e}\n{}",
            std::fs::read_to_string(dir.path().join("site.conf")).unwrap()
        );
    }
}

#[test]
fn seeds_fail_before_the_fix_and_work_after_it() {
    let Some(nginx) = nginx() else {
        assert!(
            !required(),
            "nginx is required (NGINX_WSLINT_REQUIRE_NGINX=1) but not installed"
        );
        eprintln!("notice: nginx not found; WebSocket end-to-end test skipped");
        return;
    };
    if !have_websockets() {
        assert!(
            !required(),
            "the Python `websockets` library is required: pip install websockets"
        );
        eprintln!("notice: python3 websockets not installed; WebSocket end-to-end test skipped");
        return;
    }
    check_seed(&nginx, "002-chat-proxy-location.conf", "/ws/", false);
    check_seed(&nginx, "003-channels-shop.conf", "/ws/chat/", false);
    check_seed(&nginx, "004-regex-variant.conf", "/api/mqtt/ws/", true);
}
