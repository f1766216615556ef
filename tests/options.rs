//! Rule selection, target version, timeouts, `.nginx-wslint.toml` and
//! suppression comments (SPEC §2).

use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn codes(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| {
            !l.starts_with("Found") && !l.starts_with("All checks") && !l.contains("fixable with")
        })
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let (_, line, _, rest) = (
                parts.next(),
                parts.next().unwrap_or(""),
                parts.next(),
                parts.next().unwrap_or(""),
            );
            format!("{line} {}", rest.split_whitespace().next().unwrap_or(""))
        })
        .collect()
}

fn seeds() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seeds"))
}

/// [`codes`] of a concise run in the seeds directory.
fn seed_codes(args: &[&str]) -> Vec<String> {
    codes(&run_in(
        seeds(),
        &[&["--output-format", "concise"][..], args].concat(),
    ))
}

#[test]
fn select_and_ignore_take_codes_names_and_prefixes() {
    let c = seed_codes(&[
        "--select",
        "WS00",
        "--ignore",
        "short-proxy-timeout",
        "002-chat-proxy-location.conf",
    ]);
    assert_eq!(c, ["17 WS001", "17 WS002", "17 WS003"]);
    let c = seed_codes(&["--select", "ws003", "002-chat-proxy-location.conf"]);
    assert_eq!(c, ["17 WS003"]);
    let o = run_in(seeds(), &["--select", "WS999", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown rule selector \"WS999\""));
}

#[test]
fn the_target_version_decides_version_dependent_rules() {
    let c = seed_codes(&["--target-version", "1.29.7", "002-chat-proxy-location.conf"]);
    assert!(!c.iter().any(|c| c.ends_with("WS003")), "{c:?}");
    let o = run_in(seeds(), &["--target-version", "1", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected X.Y or X.Y.Z"));
}

#[test]
fn min_timeout_uses_nginx_time_syntax() {
    let c = seed_codes(&["--min-timeout", "1m", "003-channels-shop.conf"]);
    assert_eq!(c, ["24 WS009"]);
    let o = run_in(seeds(), &["--min-timeout", "1H", "."]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn settings_file_is_found_upwards_and_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sites")).unwrap();
    std::fs::write(
        dir.path().join(".nginx-wslint.toml"),
        "ignore = [\"WS002\"]\ntarget-version = \"1.30\"\nwebsocket-paths = [\"^/live/\"]\n\n[per-file-ignores]\n\"sites/legacy.conf\" = [\"WS001\"]\n",
    )
    .unwrap();
    let conf = "server {\n  location /live/ { proxy_pass http://127.0.0.1:1; proxy_read_timeout 1h; proxy_send_timeout 1h; }\n}\n";
    std::fs::write(dir.path().join("sites/app.conf"), conf).unwrap();
    std::fs::write(dir.path().join("sites/legacy.conf"), conf).unwrap();
    // /live/ is a WebSocket location only through websocket-paths; WS002 is
    // ignored; 1.30 needs no proxy_http_version; legacy.conf ignores WS001.
    let o = run_in(
        &dir.path().join("sites"),
        &["--output-format", "concise", "."],
    );
    assert_eq!(
        codes(&o),
        ["2 WS001"],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("./app.conf:2:3: WS001"));
    // The command line wins over the file.
    let o = run_in(
        &dir.path().join("sites"),
        &[
            "--output-format",
            "concise",
            "--target-version",
            "1.26",
            "app.conf",
        ],
    );
    assert_eq!(codes(&o), ["2 WS001", "2 WS003"]);
}

#[test]
fn unknown_keys_in_the_settings_file_are_errors_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".nginx-wslint.toml"),
        "select = [\"WS\"]\nmin_timeout = \"1h\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.conf"), "server {}\n").unwrap();
    let o = run_in(dir.path(), &["a.conf"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(".nginx-wslint.toml:2: unknown key `min_timeout`"),
        "{stderr}"
    );
}

#[test]
fn suppression_comments_and_unused_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.conf"),
        "# nginx-wslint: file-ignore=WS008\n\
         server {\n\
         \x20 # nginx-wslint: ignore=WS006 the app pings every 20s\n\
         \x20 location /ws/ {\n\
         \x20   proxy_pass http://app:8000;\n\
         \x20   proxy_http_version 1.1;\n\
         \x20   proxy_set_header Upgrade $connection_upgrade; # nginx-wslint: ignore=swapped-upgrade-headers\n\
         \x20   proxy_set_header Connection $http_upgrade;\n\
         \x20 }\n\
         \x20 location /api/ { proxy_pass http://127.0.0.1:1; } # nginx-wslint: ignore=WS007\n\
         }\n\
         map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["--output-format", "concise", "a.conf"]);
    assert_eq!(
        codes(&o),
        ["8 WS010", "10 E004"],
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("unused suppression: nothing here is reported as WS007"),
        "{stdout}"
    );
}
