//! End to end (issue 5, proof 3): for seed configurations, real nginx on
//! 127.0.0.1 in front of a strict WebSocket echo server (the `websockets`
//! Python library's): the handshake and an echo round-trip fail before
//! `nginx-wslint --fix` and succeed after it.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use support::{backend, fix_site, free_port, prepare_seed, start_nginx};

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

/// `fix_options` go to `nginx-wslint --fix` (see [`fix_site`]).
fn check_seed(nginx: &Path, seed: &str, path: &str, fix_options: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (_backend, backend_port) = backend("ws_echo.py", &[]);
    let nginx_port = free_port();
    prepare_seed(dir.path(), seed, nginx_port, backend_port);
    {
        let _nginx = start_nginx(nginx, dir.path(), nginx_port);
        let before = round_trip(nginx_port, path);
        assert!(
            before.is_err(),
            "{seed}: the broken configuration already works"
        );
        eprintln!("{seed} before the fix: {}", before.unwrap_err());
    }
    fix_site(dir.path(), fix_options);
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
    let Some(nginx) = support::nginx_and_websockets_or_skip("WebSocket end-to-end test") else {
        return;
    };
    check_seed(&nginx, "002-chat-proxy-location.conf", "/ws/", &[]);
    check_seed(&nginx, "003-channels-shop.conf", "/ws/chat/", &[]);
    check_seed(
        &nginx,
        "004-regex-variant.conf",
        "/api/mqtt/ws/",
        &["--unsafe-fixes"],
    );
}
