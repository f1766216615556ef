//! Hostile input (issue 8): every input ends with diagnostics or exit 2 and
//! a message — no panic, no hang, memory under 1 GB (enforced with
//! `ulimit -v`), and bounded output (long lines are excerpted).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MEMORY_LIMIT_KB: u64 = 1024 * 1024;
const TIME_LIMIT: Duration = Duration::from_secs(120);
const OUTPUT_LIMIT: usize = 2 << 20;

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs the binary under a 1 GB address-space limit, with a time limit.
fn run(dir: &Path, args: &[&str]) -> Run {
    let mut script = format!(
        "ulimit -v {MEMORY_LIMIT_KB}; exec '{}'",
        env!("CARGO_BIN_EXE_nginx-wslint")
    );
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            panic!("{args:?}: no answer within {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Run {
        code: status.code(),
        stdout: reader.join().unwrap(),
        stderr,
    }
}

/// Lints `name` in `dir` and checks the outcome is an answer, not a crash.
fn survives(dir: &Path, name: &str) -> Run {
    survives_with(dir, name, &[])
}

fn survives_with(dir: &Path, name: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--output-format", "concise"];
    args.extend_from_slice(extra);
    args.push(name);
    let r = run(dir, &args);
    assert!(
        matches!(r.code, Some(0..=2)),
        "{name}: exit {:?} (a panic is 101, a signal None)\n{}",
        r.code,
        r.stderr
    );
    assert!(
        r.stdout.len() < OUTPUT_LIMIT,
        "{name}: {} bytes of output",
        r.stdout.len()
    );
    r
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn deep_and_unclosed_nesting() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nested.conf",
        format!("{}{}", "a {".repeat(100_000), "}".repeat(100_000)).as_bytes(),
    );
    write(
        dir.path(),
        "unclosed.conf",
        "a {".repeat(200_000).as_bytes(),
    );
    let r = survives(dir.path(), "nested.conf");
    assert!(String::from_utf8_lossy(&r.stdout).contains("nested more than 100 levels"));
    let r = survives(dir.path(), "unclosed.conf");
    assert!(String::from_utf8_lossy(&r.stdout).contains("unexpected end of file"));
}

#[test]
fn huge_lines_quotes_and_argument_lists() {
    let dir = tempfile::tempdir().unwrap();
    // 50 MB on one line: a realistic directive repeated without newlines,
    // inside a WebSocket location so that rules report on the line.
    let mut line = b"server { location /ws/ { proxy_pass ws://127.0.0.1:1; ".to_vec();
    while line.len() < 50_000_000 {
        line.extend_from_slice(b"add_header X-Pad value; ");
    }
    line.extend_from_slice(b"} }");
    write(dir.path(), "line.conf", &line);
    let mut quote = b"server { add_header X \"".to_vec();
    quote.extend(std::iter::repeat_n(b'q', 10_000_000));
    write(dir.path(), "quote.conf", &quote);
    let mut args = b"server { add_header".to_vec();
    for _ in 0..2_000_000 {
        args.extend_from_slice(b" a");
    }
    args.extend_from_slice(b"; }");
    write(dir.path(), "args.conf", &args);
    let r = survives(dir.path(), "line.conf");
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.contains("WS016"), "{}", &out[..out.len().min(2000)]);
    assert!(
        out.lines().all(|l| l.len() < 1000),
        "long lines are excerpted"
    );
    let r = survives(dir.path(), "quote.conf");
    assert!(String::from_utf8_lossy(&r.stdout)
        .contains("too long parameter, probably missing terminating"));
    survives(dir.path(), "args.conf");
}

#[test]
fn bytes_nginx_never_meant() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x1234_5678_9abc_def0u64;
    let noise: Vec<u8> = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    write(dir.path(), "noise.conf", &noise);
    write(
        dir.path(),
        "nul.conf",
        b"server {\n  location /ws/ { proxy_pass http://127.0.0.1:1\x00; }\n}\n",
    );
    write(
        dir.path(),
        "utf8.conf",
        b"server {\n  # \xff\xfe\n  location /\xc3\x28/ { proxy_pass ws://127.0.0.1:1; }\n}\n",
    );
    write(
        dir.path(),
        "bom.conf",
        b"\xef\xbb\xbfserver {\r\n  location /ws/ { proxy_pass ws://127.0.0.1:1; }\r\n}\r\n",
    );
    write(
        dir.path(),
        "mixed.conf",
        b"server {\r\n  location /ws/ {\n\r proxy_pass ws://127.0.0.1:1;\r}\n}",
    );
    for name in [
        "noise.conf",
        "nul.conf",
        "utf8.conf",
        "bom.conf",
        "mixed.conf",
    ] {
        survives(dir.path(), name);
    }
}

#[test]
fn many_locations_and_many_included_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = String::from("server {\n");
    for i in 0..20_000 {
        server.push_str(&format!(
            "  location /app{i}/ws/ {{ proxy_pass http://127.0.0.1:1; }}\n"
        ));
    }
    server.push_str("  location ~ ^/app1/ { return 404; }\n}\n");
    write(dir.path(), "locations/site.conf", server.as_bytes());
    // 20,000 WebSocket locations give 80,000 findings; look at WS007 only.
    let r = survives_with(
        &dir.path().join("locations"),
        "site.conf",
        &["--select", "WS007"],
    );
    assert!(String::from_utf8_lossy(&r.stdout).contains("WS007"));

    write(dir.path(), "globs/nginx.conf", b"events {}\nhttp {\n  server { include parts/*.conf; }\n  server { listen 81; include parts/*.conf; }\n}\n");
    for i in 0..3000 {
        write(
            dir.path(),
            &format!("globs/parts/p{i:04}.conf"),
            format!("location /p{i}/ {{ return 200; }}\n").as_bytes(),
        );
    }
    let r = survives(&dir.path().join("globs"), "nginx.conf");
    assert_eq!(r.code, Some(0), "{}", String::from_utf8_lossy(&r.stdout));
}

#[cfg(unix)]
#[test]
fn cycles_symlink_loops_and_odd_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "nginx.conf", b"events {}\nhttp { include loop.conf; include a.conf; include dir.conf/*.conf; include dir.conf; }\n");
    write(d, "a.conf", b"include b.conf;\n");
    write(d, "b.conf", b"include a.conf;\n");
    std::os::unix::fs::symlink(d.join("loop.conf"), d.join("loop.conf")).unwrap();
    std::fs::create_dir(d.join("dir.conf")).unwrap();
    std::fs::create_dir(d.join("links")).unwrap();
    std::os::unix::fs::symlink(d.join("links"), d.join("links/again")).unwrap();
    let r = survives(d, "nginx.conf");
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.contains("E003"), "{out}");
    assert!(out.contains("loop.conf"), "{out}");
    assert!(out.contains("Is a directory"), "{out}");
    // The directory walk meets the symlink loop and the `*.conf` directory.
    let r = survives(d, ".");
    assert!(matches!(r.code, Some(1)), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn includes_outside_the_repository_are_not_read_for_ci_outputs() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.conf",
        b"proxy_set_header X-Secret token-1234;\n",
    );
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "site.conf",
        format!("server {{\n  location /a/ {{ include {}/secret.conf; proxy_pass http://127.0.0.1:1; }}\n}}\n", outside.path().display()).as_bytes(),
    );
    let r = run(
        repo.path(),
        &["--output-format", "github", "--exit-zero", "site.conf"],
    );
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains("not read%3A it is outside the repository root")
            || out.contains("not read: it is outside the repository root"),
        "{out}"
    );
    let r = run(
        repo.path(),
        &[
            "--output-format",
            "concise",
            "--no-external-includes",
            "site.conf",
        ],
    );
    assert!(String::from_utf8_lossy(&r.stdout).contains("E002"));
    // Without the option a local run follows it.
    let r = run(repo.path(), &["--output-format", "concise", "site.conf"]);
    assert!(
        !String::from_utf8_lossy(&r.stdout).contains("E002"),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
}

/// A write that fails midway leaves the original and no temporary file.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let original = format!(
        "server {{\n  location /ws/ {{ proxy_pass ws://127.0.0.1:1; }}\n}}\n{}",
        "# padding\n".repeat(2000)
    );
    write(dir.path(), "site.conf", original.as_bytes());
    // Files may not grow beyond 4 KB: the temporary file cannot be written
    // (SIGXFSZ is ignored, so the write fails with EFBIG).
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec '{}' --fix site.conf",
        env!("CARGO_BIN_EXE_nginx-wslint")
    );
    let o = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("the file is unchanged"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("site.conf")).unwrap(),
        original
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}
