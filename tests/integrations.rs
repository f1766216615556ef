//! Where users run it (SPEC §2–§3): GitHub annotations, SARIF, `nginx -T`
//! input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
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
