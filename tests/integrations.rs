//! Where users run it (SPEC §2–§3): GitHub annotations, SARIF, `nginx -T`
//! input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod support;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_in(&root(), args, stdin)
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let o = run(
        &[
            "--output-format",
            "github",
            "fixtures/seeds/004-regex-variant.conf",
            "fixtures/seeds/000-django-channels-docker.conf",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        6,
        "one command per diagnostic, nothing else:\n{text}"
    );
    assert!(lines[0].starts_with("::warning file=fixtures/seeds/000-django-channels-docker.conf,line=7,endLine=7,col=5,endColumn=19,title=WS006 short-proxy-timeout::"), "{}", lines[0]);
    assert!(
        lines.iter().any(|l| l.starts_with("::notice ")),
        "info is a notice"
    );
    // The help line is part of the message, escaped as %0A; a `:` in the
    // title property would be escaped as %3A.
    assert!(lines
        .iter()
        .all(|l| !l.contains('\r') && l.contains("%0Ahelp: ")));
}

#[test]
fn sarif_has_rules_with_help_and_relative_locations() {
    let o = run(&["--output-format", "sarif", "fixtures/seeds"], None);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "nginx-wslint");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["WS001", "WS002", "WS003", "WS005", "WS006", "WS007", "WS008", "WS009"]
    );
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !rule[key]["text"].as_str().unwrap().is_empty(),
                "{key} of {}",
                rule["id"]
            );
        }
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?"));
        assert!(["error", "warning", "note"]
            .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 13);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(r["ruleId"], rules[index]["id"]);
        let location = &r["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("fixtures/seeds/") && !uri.contains('\\'),
            "{uri}"
        );
        let region = &location["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key}");
        }
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
    }
}

/// The SARIF 2.1.0 JSON schema shipped in `tests/data/` (provenance in
/// `tests/data/README.md`), compiled with its `format` keywords asserted
/// (`uri`, `uri-reference`, `date-time`).
struct SarifSchema {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl SarifSchema {
    fn load() -> Self {
        let path = root().join("tests/data/sarif-2.1.0-rtm.5.json");
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        let index = compiler
            .compile(path.to_str().unwrap(), &mut schemas)
            .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e:#}"));
        SarifSchema { schemas, index }
    }

    /// The validator's messages, one per failed keyword, or `Ok`.
    fn check(&self, log: &Value) -> Result<(), String> {
        self.schemas
            .validate(log, self.index)
            .map_err(|e| format!("{e}"))
    }

    /// Validates `--output-format sarif` output; fails with the validator's
    /// messages. Also checks what errata01 of the schema adds and this
    /// revision lacks: every region has a `startLine`.
    fn assert_valid(&self, what: &str, o: &Output) -> Value {
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{what}: exit {:?}: {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        let log: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
        if let Err(errors) = self.check(&log) {
            panic!("{what}: SARIF output rejected by the SARIF 2.1.0 schema:\n{errors}");
        }
        for r in results(&log) {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().is_some(), "{what}: {r}");
        }
        log
    }
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

fn rule_ids(log: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = results(log)
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn uris(log: &Value) -> Vec<&str> {
    let mut uris: Vec<&str> = results(log)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    uris.sort_unstable();
    uris.dedup();
    uris
}

/// Every kind of input gives SARIF that the official schema accepts: the
/// rule fixtures (every rule, many results), the seeds, a clean file, the
/// E-codes (syntax error, missing include, include cycle, unused
/// suppression), a directory of files whose names need percent-encoding,
/// absolute paths, standard input and an `nginx -T` dump.
#[test]
fn sarif_output_is_valid_against_the_sarif_2_1_0_schema() {
    let schema = SarifSchema::load();
    let sarif = ["--output-format", "sarif"];

    let log = schema.assert_valid(
        "fixtures/rules",
        &run(&[&sarif[..], &["fixtures/rules"]].concat(), None),
    );
    assert!(results(&log).len() >= 90, "{}", results(&log).len());
    assert_eq!(rule_ids(&log).len(), 17, "{:?}", rule_ids(&log));
    schema.assert_valid(
        "fixtures/seeds",
        &run(&[&sarif[..], &["fixtures/seeds"]].concat(), None),
    );

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clean = "events {}\nhttp {\n    map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n    server {\n        listen 80;\n        location /ws/ {\n            proxy_pass http://127.0.0.1:8000;\n            proxy_http_version 1.1;\n            proxy_set_header Upgrade $http_upgrade;\n            proxy_set_header Connection $connection_upgrade;\n            proxy_set_header Host $host;\n            proxy_read_timeout 1h;\n            proxy_send_timeout 1h;\n        }\n    }\n}\n";
    std::fs::create_dir(d.join("clean")).unwrap();
    std::fs::write(d.join("clean/nginx.conf"), clean).unwrap();
    let o = run_in(d, &[&sarif[..], &["clean/nginx.conf"]].concat(), None);
    let log = schema.assert_valid("a clean file", &o);
    assert_eq!(o.status.code(), Some(0));
    assert!(results(&log).is_empty());
    assert!(log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .is_empty());

    std::fs::create_dir(d.join("errors")).unwrap();
    std::fs::write(
        d.join("errors/broken.conf"),
        "server {\n    location /ws/ {\n        proxy_pass http://127.0.0.1:8000;\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("errors/nginx.conf"),
        "events {}\nhttp {\n    include missing/*.conf;\n    include missing.conf;\n    include loop.inc;\n    # nginx-wslint: ignore=WS006 nothing to ignore here\n    server_tokens off;\n}\n",
    )
    .unwrap();
    std::fs::write(d.join("errors/loop.inc"), "include loop.inc;\n").unwrap();
    let log = schema.assert_valid(
        "E-codes",
        &run_in(d, &[&sarif[..], &["errors"]].concat(), None),
    );
    for code in ["E001", "E002", "E003", "E004"] {
        assert!(
            rule_ids(&log).contains(&code),
            "{code}: {:?}",
            rule_ids(&log)
        );
    }

    // A multi-file directory whose names need percent-encoding in a URI.
    let site = "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n";
    for name in [
        "tree/nginx.conf",
        "tree/conf.d/chat.conf",
        "tree/conf.d/my site.conf",
        "tree/conf.d/100%.conf",
        "tree/conf.d/caf\u{e9}.conf",
        "tree/sites-enabled/a:b#c?d",
    ] {
        let path = d.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = if name.ends_with("nginx.conf") {
            "events {}\nhttp {\n    include conf.d/*.conf;\n    include sites-enabled/*;\n}\n"
        } else {
            site
        };
        std::fs::write(path, text).unwrap();
    }
    let log = schema.assert_valid(
        "a directory, relative",
        &run_in(d, &[&sarif[..], &["tree"]].concat(), None),
    );
    assert_eq!(
        uris(&log),
        [
            "tree/conf.d/100%25.conf",
            "tree/conf.d/caf%C3%A9.conf",
            "tree/conf.d/chat.conf",
            "tree/conf.d/my%20site.conf",
            "tree/sites-enabled/a%3Ab%23c%3Fd",
        ]
    );
    let inside = run_in(&d.join("tree"), &[&sarif[..], &["."]].concat(), None);
    let log = schema.assert_valid("a directory, as .", &inside);
    assert!(
        uris(&log)
            .iter()
            .all(|u| u.starts_with("conf.d/") || u.starts_with("sites-enabled/")),
        "{:?}",
        uris(&log)
    );
    // Absolute paths outside the current directory are file: URIs.
    let absolute = d.join("tree").display().to_string();
    let log = schema.assert_valid(
        "a directory, absolute",
        &run(&[&sarif[..], &[absolute.as_str()]].concat(), None),
    );
    let file_uri = |p: &Path| format!("file://{}", p.display());
    assert!(
        uris(&log).contains(&file_uri(&d.join("tree/conf.d/chat.conf")).as_str()),
        "{:?}",
        uris(&log)
    );

    let o = run_in(d, &[&sarif[..], &["-"]].concat(), Some(site.as_bytes()));
    let log = schema.assert_valid("stdin", &o);
    assert!(!results(&log).is_empty());
    let o = run_in(
        d,
        &[
            &sarif[..],
            &["--stdin-filename", "conf.d/my site.conf", "-"],
        ]
        .concat(),
        Some(site.as_bytes()),
    );
    let log = schema.assert_valid("stdin with --stdin-filename", &o);
    assert_eq!(uris(&log), ["conf.d/my%20site.conf"]);
    let dump = format!("# configuration file /etc/nginx/nginx.conf:\nevents {{}}\nhttp {{\n    include /etc/nginx/conf.d/*.conf;\n}}\n\n# configuration file /etc/nginx/conf.d/chat.conf:\n{site}");
    let o = run_in(d, &[&sarif[..], &["-"]].concat(), Some(dump.as_bytes()));
    let log = schema.assert_valid("an nginx -T dump", &o);
    assert_eq!(uris(&log), ["file:///etc/nginx/conf.d/chat.conf"]);
}

/// The validation can fail: broken variants of a valid log are rejected,
/// each with the validator naming the offending place.
#[test]
fn the_sarif_schema_rejects_invalid_logs() {
    let schema = SarifSchema::load();
    let o = run(&["--output-format", "sarif", "fixtures/rules"], None);
    let valid = schema.assert_valid("fixtures/rules", &o);
    let result = "/runs/0/results/0";
    let region = "/runs/0/results/0/locations/0/physicalLocation/region";
    let uri = "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri";
    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation, String); 8] = [
        (
            "wrong version",
            |v| v["version"] = "2.0.0".into(),
            "/version".into(),
        ),
        (
            "startLine 0",
            |v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
                    ["startLine"] = 0.into()
            },
            format!("{region}/startLine"),
        ),
        (
            "endColumn 0",
            |v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
                    ["endColumn"] = 0.into()
            },
            format!("{region}/endColumn"),
        ),
        (
            "no message",
            |v| {
                v["runs"][0]["results"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("message");
            },
            format!("'{result}': missing properties 'message'"),
        ),
        (
            "unknown level",
            |v| v["runs"][0]["results"][0]["level"] = "warn".into(),
            format!("{result}/level"),
        ),
        (
            "a space in a URI",
            |v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                    ["uri"] = "conf.d/my site.conf".into()
            },
            uri.into(),
        ),
        (
            "a property SARIF does not have",
            |v| v["runs"][0]["results"][0]["severity"] = "error".into(),
            format!("'{result}': additionalProperties 'severity' not allowed"),
        ),
        (
            "a rule without id",
            |v| {
                v["runs"][0]["tool"]["driver"]["rules"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("id");
            },
            "/runs/0/tool/driver/rules/0".into(),
        ),
    ];
    for (what, mutate, expected) in cases {
        let mut log = valid.clone();
        mutate(&mut log);
        let Err(errors) = schema.check(&log) else {
            panic!("{what}: the schema accepted an invalid log");
        };
        assert!(
            errors.contains(&expected),
            "{what}: expected {expected} in:\n{errors}"
        );
    }
}

#[test]
fn nginx_t_output_is_split_into_its_files() {
    let dump = b"# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp {\n    map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n    include /etc/nginx/conf.d/*.conf;\n}\n\n# configuration file /etc/nginx/conf.d/chat.conf:\nserver {\n    location /ws/ {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection $connection_upgrade;\n    }\n}\n";
    let o = run(
        &[
            "--output-format",
            "concise",
            "--select",
            "WS002,WS003,WS004",
            "-",
        ],
        Some(dump),
    );
    let text = String::from_utf8(o.stdout).unwrap();
    // The map from nginx.conf counts for conf.d/chat.conf: no WS002/WS004.
    assert_eq!(
        text.lines().next().unwrap().split(" `").next().unwrap(),
        "/etc/nginx/conf.d/chat.conf:2:5: WS003 [*]"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
    let o = run(&["--fix", "-"], Some(dump));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--fix does not write standard input"));
}

/// With real nginx: `nginx -T` of a multi-file configuration, piped in.
#[test]
fn real_nginx_t_output_is_linted_with_its_includes() {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let Some(nginx) = nginx else {
        assert!(
            std::env::var("NGINX_WSLINT_REQUIRE_NGINX").as_deref() != Ok("1"),
            "nginx is required"
        );
        eprintln!("notice: nginx not found; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    std::fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("conf.d/ws.conf"),
        "server {\n    listen 127.0.0.1:1;\n    location /ws/ { proxy_pass http://127.0.0.1:2; proxy_http_version 1.1; }\n}",
    )
    .unwrap();
    let dump = Command::new(nginx)
        .args(["-T", "-q", "-p"])
        .arg(dir.path())
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        .args(["-e", "stderr", "-g"])
        .arg(format!("pid {}/n.pid;", dir.path().display()))
        .output()
        .unwrap();
    assert!(dump.status.success());
    let o = run(
        &["--output-format", "json", "--select", "WS001", "-"],
        Some(&dump.stdout),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(
        v[0]["filename"],
        dir.path().join("conf.d/ws.conf").display().to_string()
    );
    assert_eq!(v[0]["location"]["row"], 3);
}

/// README.md's "Plain CI and live servers" commands. Each line of its sh
/// block must be one of the four below (a line added there must be added
/// here); the first two run verbatim with `sh -c` in a directory holding a
/// broken `nginx/`, with the binary under test first on PATH. The `nginx
/// -T` line needs a live server (`real_nginx_t_output_is_linted_with_its_includes`
/// tests that input) and the completions line writes into /etc: both are
/// checked to be there, and the completions command runs without its
/// redirection.
#[test]
fn the_readme_plain_ci_commands_work() {
    let block = support::readme_block("### Plain CI and live servers", "sh");
    let expected = [
        "nginx-wslint --output-format concise nginx/",
        "nginx-wslint --output-format json nginx/ > report.json",
        "nginx -T | nginx-wslint -",
        "nginx-wslint completions bash > /etc/bash_completion.d/nginx-wslint",
    ];
    // A line without its trailing `# comment`.
    let command = |line: &str| line.split(" #").next().unwrap().trim().to_string();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            expected.contains(&command(line).as_str()),
            "README.md \"### Plain CI and live servers\": line `{line}` is none of the lines this test expects: {expected:#?}"
        );
    }
    let line = |want: &str| {
        block
            .lines()
            .find(|l| command(l) == want)
            .unwrap_or_else(|| {
                panic!("README.md \"### Plain CI and live servers\": expected the line `{want}` in:\n{block}")
            })
            .to_string()
    };

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("nginx")).unwrap();
    let seed = "002-chat-proxy-location.conf";
    std::fs::copy(
        root().join("fixtures/seeds").join(seed),
        dir.path().join("nginx").join(seed),
    )
    .unwrap();
    let sh = |line: &str| {
        Command::new("sh")
            .args(["-c", line])
            .current_dir(dir.path())
            .env("PATH", support::path_with_binary())
            .output()
            .unwrap()
    };

    let concise = line(expected[0]);
    let o = sh(&concise);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "`{concise}`: exit 1 on findings\n{out}"
    );
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.starts_with(&format!("nginx/{seed}:17:5: WS0"))),
        "`{concise}`:\n{out}"
    );

    let json = line(expected[1]);
    let o = sh(&json);
    assert_eq!(
        o.status.code(),
        Some(1),
        "`{json}`: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = std::fs::read_to_string(dir.path().join("report.json"))
        .unwrap_or_else(|e| panic!("`{json}` wrote no report.json: {e}"));
    let v: Value = serde_json::from_str(&report).unwrap();
    let diagnostics = v.as_array().unwrap();
    assert!(!diagnostics.is_empty(), "`{json}`: {report}");
    assert!(
        diagnostics
            .iter()
            .all(|d| d["filename"] == format!("nginx/{seed}")),
        "{report}"
    );

    line(expected[2]);
    let completions = line(expected[3]);
    let (to_stdout, _) = completions.split_once(" > ").unwrap();
    let o = sh(to_stdout);
    assert_eq!(o.status.code(), Some(0), "`{to_stdout}`");
    let script = String::from_utf8_lossy(&o.stdout);
    assert!(
        script.contains("nginx-wslint") && script.contains("--output-format"),
        "`{to_stdout}`:\n{script}"
    );
}
