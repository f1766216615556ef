//! End-to-end tests of the `nginx-wslint` binary: commands, discovery,
//! output formats and exit codes (SPEC §2–§3).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    run_in(&root(), args, None)
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nginx-wslint"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // A run that refuses its input (`--fix -`) exits without reading
        // it; the broken pipe that leaves is not the test's concern.
        if let Err(e) = input.write_all(bytes) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_clean_configuration_exits_zero() {
    let o = run(&["fixtures/parser/site"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "All checks passed!\n");
}

#[test]
fn check_is_the_default_command() {
    let implicit = run(&["--output-format", "concise", "fixtures/parser/broken"]);
    let explicit = run(&[
        "check",
        "--output-format",
        "concise",
        "fixtures/parser/broken",
    ]);
    assert_eq!(implicit.status.code(), Some(1));
    assert_eq!(stdout(&implicit), stdout(&explicit));
}

#[test]
fn concise_output_names_file_line_column_and_code() {
    let o = run(&[
        "--output-format",
        "concise",
        "fixtures/parser/broken",
        "fixtures/parser/includes",
    ]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o), @r#"
    fixtures/parser/broken/stray-brace.conf:7:1: E001 unexpected "}"
    fixtures/parser/broken/text-after-quote.conf:2:42: E001 unexpected "a"
    fixtures/parser/broken/unclosed-block.conf:7:1: E001 unexpected end of file, expecting "}"
    fixtures/parser/broken/unterminated-quote.conf:3:1: E001 unexpected end of file, expecting ";" or "}"
    fixtures/parser/includes/cycle-b.conf:1:1: E003 include cycle: "fixtures/parser/includes/cycle-b.conf" includes "fixtures/parser/includes/cycle-a.conf", which is already being read
    fixtures/parser/includes/nginx.conf:3:5: E002 open() "fixtures/parser/includes/missing.conf" failed (2: No such file or directory)
    Found 6 diagnostics.
    "#);
}

#[test]
fn full_output_shows_snippet_label_help_and_link() {
    let o = run(&[
        "fixtures/parser/broken/unclosed-block.conf",
        "fixtures/parser/broken/text-after-quote.conf",
    ]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn json_output_has_the_spec_shape() {
    let o = run(&["--output-format", "json", "fixtures/parser/includes"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    let e002 = &items[1];
    let mut keys: Vec<_> = e002.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "code",
            "end_location",
            "filename",
            "fix",
            "location",
            "message",
            "name",
            "severity",
            "url"
        ]
    );
    assert_eq!(e002["code"], "E002");
    assert_eq!(e002["name"], "include-not-found");
    assert_eq!(e002["severity"], "warning");
    assert_eq!(e002["filename"], "fixtures/parser/includes/nginx.conf");
    assert_eq!(e002["location"], serde_json::json!({"row": 3, "column": 5}));
    assert_eq!(
        e002["end_location"],
        serde_json::json!({"row": 3, "column": 26})
    );
    assert_eq!(e002["fix"], serde_json::Value::Null);
    assert!(e002["url"].as_str().unwrap().ends_with("/E002.md"));
    assert_eq!(items[0]["code"], "E003");
    assert_eq!(items[0]["severity"], "error");
}

#[test]
fn json_columns_count_characters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.conf",
        "# é\nserver { add_header X \"é\"x; }\n",
    );
    let o = run_in(dir.path(), &["--output-format", "json", "a.conf"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // `x` is the 26th character of line 2 (its 27th byte: é is two bytes).
    assert_eq!(
        v[0]["location"],
        serde_json::json!({"row": 2, "column": 26})
    );
}

#[test]
fn exit_zero_keeps_diagnostics_but_exits_zero() {
    let o = run(&[
        "--exit-zero",
        "--output-format",
        "concise",
        "fixtures/parser/broken",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("E001"));
}

#[test]
fn usage_and_io_errors_exit_two_with_a_message() {
    let o = run(&["does/not/exist.conf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does/not/exist.conf"), "{}", stderr(&o));
    let o = run(&["--context", "bogus", "fixtures/parser/site"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown context \"bogus\""),
        "{}",
        stderr(&o)
    );
    let o = run(&["--output-format", "xml", "fixtures"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn files_included_by_an_entry_are_not_linted_again_on_their_own() {
    // conf.d/app.conf includes snippets/ws.conf relative to the prefix (the
    // nginx.conf directory). Linted alone it could not find it.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp { include conf.d/*.conf; }\n",
    );
    write(
        dir.path(),
        "conf.d/app.conf",
        "server { location /ws/ { include snippets/ws.conf; } }\n",
    );
    write(dir.path(), "snippets/ws.conf", "proxy_http_version 1.1;\n");
    let o = run_in(dir.path(), &["--output-format", "concise", "."], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Without the entry file, the fragment's include is missing.
    let o = run_in(
        dir.path(),
        &["--output-format", "concise", "conf.d/app.conf"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("E002"), "{}", stdout(&o));
    // --prefix makes it resolve again.
    let o = run_in(dir.path(), &["--prefix", ".", "conf.d/app.conf"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // --no-follow-includes reads no included file.
    let o = run_in(
        dir.path(),
        &["--no-follow-includes", "conf.d/app.conf"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn directory_discovery_picks_nginx_files_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sites-enabled/example.com", "server { ");
    write(dir.path(), "conf.d/site", "server { ");
    write(dir.path(), "other/app.conf", "server { ");
    write(dir.path(), "other/README.md", "server { ");
    write(dir.path(), ".git/x.conf", "server { ");
    let o = run_in(dir.path(), &["--output-format", "concise"], None);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let files: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("Found"))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(
        files,
        [
            "./conf.d/site",
            "./other/app.conf",
            "./sites-enabled/example.com"
        ]
    );
}

#[test]
fn stdin_is_read_with_its_display_name() {
    let o = run_in(
        &root(),
        &[
            "--output-format",
            "concise",
            "--stdin-filename",
            "site.conf",
            "-",
        ],
        Some(b"server {\n  listen 80;\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o).lines().next().unwrap(),
        "site.conf:3:1: E001 unexpected end of file, expecting \"}\""
    );
}

#[test]
fn an_invalid_context_comment_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.conf",
        "# nginx-wslint: context=nowhere\nlocation / { }\n",
    );
    let o = run_in(dir.path(), &["--output-format", "concise", "a.conf"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("unknown context \"nowhere\""),
        "{}",
        stdout(&o)
    );
}

#[test]
fn parse_prints_the_crossplane_payload() {
    let o = run(&["parse", "fixtures/parser/site/nginx.conf"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "ok");
    let files: Vec<_> = v["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "fixtures/parser/site/nginx.conf",
            "fixtures/parser/site/conf.d/chat.conf",
            "fixtures/parser/site/snippets/websocket.conf"
        ]
    );
    let http = &v["config"][0]["parsed"][1];
    assert_eq!(http["directive"], "http");
    assert_eq!(
        http["block"][0]["block"][1],
        serde_json::json!({"directive": "", "line": 8, "args": ["close"]})
    );
    assert_eq!(http["block"][1]["includes"], serde_json::json!([1]));

    let single = run(&[
        "parse",
        "--single-file",
        "--include-comments",
        "fixtures/parser/site/nginx.conf",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&single.stdout).unwrap();
    assert_eq!(v["config"].as_array().unwrap().len(), 1);
    assert_eq!(v["config"][0]["parsed"][0]["directive"], "#");

    let broken = run(&["parse", "fixtures/parser/broken/stray-brace.conf"]);
    assert_eq!(broken.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["errors"][0]["line"], 7);
    assert_eq!(
        v["errors"][0]["error"],
        "unexpected \"}\" in fixtures/parser/broken/stray-brace.conf:7"
    );
}

#[test]
fn version_and_completions() {
    let o = run(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("nginx-wslint {}", env!("CARGO_PKG_VERSION"))
    );
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(stdout(&o).contains("nginx-wslint"), "{shell}");
        assert!(
            stdout(&o).contains("target-version"),
            "{shell} completes check's options"
        );
    }
}

#[test]
fn gitignored_files_are_skipped_and_many_files_come_out_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "generated/\n*.bak.conf\n");
    write(dir.path(), "generated/x.conf", "server { ");
    write(dir.path(), "old.bak.conf", "server { ");
    for i in 0..120 {
        write(
            dir.path(),
            &format!("sites/site{i:03}.conf"),
            "server {\n  location /ws/ { proxy_pass ws://127.0.0.1:1; }\n}\n",
        );
    }
    let a = run_in(
        dir.path(),
        &["--output-format", "concise", "--select", "WS016", "."],
        None,
    );
    let b = run_in(
        dir.path(),
        &["--output-format", "concise", "--select", "WS016", "."],
        None,
    );
    assert_eq!(
        stdout(&a),
        stdout(&b),
        "deterministic with parallel linting"
    );
    let lines: Vec<String> = stdout(&a)
        .lines()
        .filter(|l| l.contains("WS016"))
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 120);
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert!(!stdout(&a).contains("generated") && !stdout(&a).contains("bak"));
}

#[test]
fn timings_go_to_stderr_and_leave_the_report_alone() {
    let args = ["--output-format", "concise", "fixtures/seeds"];
    let plain = run(&args);
    let timed = Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("NGINX_WSLINT_TIMINGS", "1")
        .output()
        .unwrap();
    assert_eq!(timed.status.code(), plain.status.code());
    assert_eq!(stdout(&timed), stdout(&plain));
    assert!(!stderr(&plain).contains("timing"), "{}", stderr(&plain));
    let timings = stderr(&timed);
    let phases: Vec<&str> = timings
        .lines()
        .filter_map(|l| l.strip_prefix("nginx-wslint timing: "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for phase in ["setup", "load", "model", "WS001", "WS017", "output"] {
        assert!(phases.contains(&phase), "{phase} missing from {phases:?}");
    }
    if cfg!(target_os = "linux") {
        let load = timings.lines().find(|l| l.contains(" load ")).unwrap();
        // "... 3.31 ms 9.2 MB resident 5.0 MB heap": each figure precedes
        // its label.
        let figure = |label: &str| -> f64 {
            let words: Vec<&str> = load.split_whitespace().collect();
            words
                .windows(3)
                .find(|w| w[1] == "MB" && w[2] == label)
                .and_then(|w| w[0].parse().ok())
                .unwrap_or_else(|| panic!("no {label} memory in {load:?}"))
        };
        assert!(figure("resident") > 0.5, "{load}");
        if cfg!(target_env = "gnu") {
            assert!(figure("heap") > 0.0, "{load}");
        }
    }
}
