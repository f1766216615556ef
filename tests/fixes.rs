//! Fixes (SPEC §4, issue 5): the diff of every fixable rule's fixture
//! (insta), and on every fixture, seed and corpus file: the fixed text
//! re-parses, a second run changes nothing, and it passes `nginx -t`
//! wherever the original did.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nginx_wslint_parser::{context, Context, SourceFile};
use support::root;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn diff_for(code: &str) -> String {
    let file = format!("fixtures/rules/{code}.conf");
    let o = run(
        &root(),
        &["--diff", "--unsafe-fixes", "--select", code, &file],
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn every_fixable_rule_fixes_its_fixture() {
    // Rules whose fixes need a resolver address or are not available.
    let without_fix = ["WS008", "WS011", "WS012", "WS013", "WS015"];
    for code in [
        "WS001", "WS002", "WS003", "WS004", "WS005", "WS006", "WS007", "WS009", "WS010", "WS014",
        "WS016", "WS017",
    ] {
        let diff = diff_for(code);
        assert!(!diff.is_empty(), "{code}: no fix");
        insta::assert_snapshot!(format!("fix_{code}"), diff);
    }
    for code in without_fix {
        assert_eq!(diff_for(code), "", "{code} has no automatic fix");
    }
}

fn nginx() -> Option<PathBuf> {
    let found = support::find_nginx();
    if found.is_none() {
        assert!(
            !support::required(),
            "nginx is required (NGINX_WSLINT_REQUIRE_NGINX=1) but not installed"
        );
        eprintln!("notice: nginx not found; the nginx -t part is skipped");
    }
    found
}

/// `nginx -t` on a file, wrapped in a minimal main configuration for its
/// context.
fn nginx_accepts(nginx: &Path, dir: &Path, file: &Path, ctx: Context) -> bool {
    let include = format!("include {};", file.display());
    let main = match ctx {
        Context::Main => format!("{include}\n"),
        Context::Http => format!("events {{}}\nhttp {{\n{include}\n}}\n"),
        Context::Server => format!("events {{}}\nhttp {{\nserver {{\nlisten 127.0.0.1:1;\n{include}\n}}\n}}\n"),
        _ => format!("events {{}}\nhttp {{\nserver {{\nlisten 127.0.0.1:1;\nlocation / {{\n{include}\n}}\n}}\n}}\n"),
    };
    let wrapper = dir.join("wrapper.conf");
    std::fs::write(&wrapper, main).unwrap();
    let conf = if ctx == Context::Main {
        file.to_path_buf()
    } else {
        wrapper
    };
    Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .args(["-e", "stderr", "-g"])
        .arg(format!("pid {}/nginx.pid;", dir.display()))
        .output()
        .unwrap()
        .status
        .success()
}

fn corpus_and_fixtures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let corpus = std::env::var_os("NGINX_WSLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus/real"));
    for dir in [
        corpus,
        root().join("fixtures/rules"),
        root().join("fixtures/seeds"),
        root().join("fixtures/precision"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("notice: {} not found", dir.display());
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "conf") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn fixed_files_reparse_are_stable_and_pass_nginx_t_where_the_original_did() {
    let nginx = nginx();
    let mut checked = 0;
    let mut nginx_checked = 0;
    let mut changed = 0;
    for path in corpus_and_fixtures() {
        let dir = tempfile::tempdir().unwrap();
        let name = path.file_name().unwrap();
        let copy = dir.path().join(name);
        std::fs::copy(&path, &copy).unwrap();
        // The corpus is read-only; the copy must be writable.
        let mut permissions = std::fs::metadata(&copy).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&copy, permissions).unwrap();
        let original = std::fs::read(&copy).unwrap();
        let parsed = SourceFile::parse(&copy, original.clone());
        if !parsed.errors.is_empty() {
            continue; // rules do not run on files nginx rejects
        }
        let ctx = context::resolve_context(&parsed, None).unwrap_or(Context::Main);
        let before = nginx
            .as_ref()
            .map(|n| nginx_accepts(n, dir.path(), &copy, ctx));

        let o = run(
            dir.path(),
            &[
                "--fix",
                "--unsafe-fixes",
                "--exit-zero",
                "--resolver",
                "127.0.0.11",
                "--no-follow-includes",
                name.to_str().unwrap(),
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let fixed = std::fs::read(&copy).unwrap();
        checked += 1;
        if fixed == original {
            continue;
        }
        changed += 1;
        let reparsed = SourceFile::parse(&copy, fixed.clone());
        assert!(
            reparsed.errors.is_empty(),
            "{}: fixed text does not parse: {:?}",
            path.display(),
            reparsed.errors
        );
        let again = run(
            dir.path(),
            &[
                "--diff",
                "--unsafe-fixes",
                "--resolver",
                "127.0.0.11",
                "--no-follow-includes",
                name.to_str().unwrap(),
            ],
        );
        assert!(
            again.stdout.is_empty(),
            "{}: a second run still changes:\n{}",
            path.display(),
            String::from_utf8_lossy(&again.stdout)
        );
        if let (Some(nginx), Some(true)) = (&nginx, before) {
            nginx_checked += 1;
            assert!(
                nginx_accepts(nginx, dir.path(), &copy, ctx),
                "{}: nginx -t accepted the original but not the fixed file:\n{}",
                path.display(),
                String::from_utf8_lossy(&fixed)
            );
        }
    }
    eprintln!("{checked} files fixed, {changed} changed, {nginx_checked} checked with nginx -t");
    assert!(changed > 20, "only {changed} files changed");
    if nginx.is_some() {
        assert!(
            nginx_checked > 10,
            "only {nginx_checked} files were checked with nginx -t"
        );
    }
}

#[test]
fn dns_fixes_need_a_resolver_and_follow_the_target_version() {
    let with = |extra: &[&str]| {
        let mut args = vec![
            "--diff",
            "--select",
            "WS008,WS012",
            "--resolver",
            "127.0.0.11",
        ];
        args.extend_from_slice(extra);
        args.extend(["fixtures/rules/WS008.conf", "fixtures/rules/WS012.conf"]);
        String::from_utf8(run(&root(), &args).stdout).unwrap()
    };
    insta::assert_snapshot!("dns_fix_1_26", with(&[]));
    insta::assert_snapshot!("dns_fix_1_28", with(&["--target-version", "1.28"]));
}

/// verified-facts F6/F7: a container name that does not resolve makes
/// `nginx -t` fail; after the DNS fix (resolver + variable, for nginx
/// before 1.27.3) it passes.
#[test]
fn the_dns_fix_lets_nginx_start_without_the_backend() {
    let Some(nginx) = nginx() else { return };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.conf");
    std::fs::write(
        &site,
        "server {\n    listen 127.0.0.1:1;\n    location /ws/ {\n        proxy_pass http://epsm-backend-prod.invalid:8000;\n    }\n}\n",
    )
    .unwrap();
    assert!(
        !nginx_accepts(&nginx, dir.path(), &site, Context::Http),
        "the name must not resolve here"
    );
    let o = run(
        dir.path(),
        &[
            "--fix",
            "--exit-zero",
            "--select",
            "WS008",
            "--resolver",
            "127.0.0.11",
            "--target-version",
            "1.22",
            "site.conf",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        nginx_accepts(&nginx, dir.path(), &site, Context::Http),
        "{}",
        std::fs::read_to_string(&site).unwrap()
    );
}

#[test]
fn fixes_edit_the_included_file_they_belong_to() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    std::fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("conf.d/chat.conf"),
        "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_read_timeout 1h;\n    }\n}\n",
    )
    .unwrap();
    let o = run(dir.path(), &["--diff", "--select", "WS002", "."]);
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout), @r"
    --- ./conf.d/chat.conf
    +++ ./conf.d/chat.conf
    @@ -5,5 +5,6 @@
             proxy_http_version 1.1;
             proxy_set_header Upgrade $http_upgrade;
             proxy_read_timeout 1h;
    +        proxy_set_header Connection $connection_upgrade;
         }
     }
    --- ./nginx.conf
    +++ ./nginx.conf
    @@ -1,4 +1,9 @@
     events {}
     http {
    +    map $http_upgrade $connection_upgrade {
    +        default upgrade;
    +        ''      close;
    +    }
    +
         include conf.d/*.conf;
     }
    ");
    assert_eq!(o.status.code(), Some(1), "a diff exits 1");
}

#[cfg(unix)]
#[test]
fn fix_keeps_line_endings_mode_and_every_untouched_byte() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.conf");
    let original = "# caf\u{e9} \u{2014} comment\r\nserver {\r\n\tlocation /ws/ {\r\n\t\tproxy_pass ws://127.0.0.1:8000;  # keep me\r\n\t}\r\n}\r\n";
    std::fs::write(&path, original).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = run(dir.path(), &["--fix", "--select", "WS016", "site.conf"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(fixed, original.replace("ws://", "http://"));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // Inserted lines use the file's CRLF and its indentation.
    let o = run(dir.path(), &["--fix", "--select", "WS001", "site.conf"]);
    assert_eq!(o.status.code(), Some(0));
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert!(
        fixed.contains("# keep me\r\n\t\tproxy_set_header Upgrade $http_upgrade;\r\n\t}"),
        "{fixed:?}"
    );
    // Nothing else of the directory is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[cfg(unix)]
#[test]
fn read_only_files_are_refused_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.conf");
    std::fs::write(
        &path,
        "server { location /ws/ { proxy_pass ws://127.0.0.1:1; } }\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let o = run(dir.path(), &["--fix", "--select", "WS016", "site.conf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("read-only"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(std::fs::read_to_string(&path).unwrap().contains("ws://"));
}
