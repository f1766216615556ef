//! The pre-commit hook (`.pre-commit-hooks.yaml`), run by real pre-commit
//! with `pre-commit try-repo` in a temporary git repository: it fails on a
//! broken configuration with our diagnostics, and with `--fix` it fixes the
//! file. Uses the `nginx-wslint-system` hook with the binary under test on
//! PATH (the `language: rust` hook runs the same command after `cargo
//! install --path .`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A git repository holding this project's `.pre-commit-hooks.yaml` (the
/// checkout itself need not be a git repository).
fn hook_repo(dir: &Path) -> PathBuf {
    let hooks = dir.join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    std::fs::copy(source, hooks.join(".pre-commit-hooks.yaml")).unwrap();
    let identity = ["-c", "user.email=t@example.invalid", "-c", "user.name=t"];
    git(&hooks, &["init", "-q"]);
    git(&hooks, &[&identity[..], &["add", "."]].concat());
    git(
        &hooks,
        &[&identity[..], &["commit", "-q", "-m", "hooks"]].concat(),
    );
    hooks
}

fn try_repo(repo: &Path, hooks: &Path, extra: &[&str]) -> Output {
    let path = support::path_with_binary();
    let hooks = hooks.display().to_string();
    let mut args = vec![
        "try-repo",
        hooks.as_str(),
        "nginx-wslint-system",
        "--all-files",
        "--verbose",
    ];
    args.extend_from_slice(extra);
    Command::new("pre-commit")
        .args(&args)
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", repo.join(".cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_hook_reports_and_fixes() {
    if !have("pre-commit") || !have("git") {
        assert!(
            std::env::var("NGINX_WSLINT_REQUIRE_PRECOMMIT").as_deref() != Ok("1"),
            "pre-commit is required (NGINX_WSLINT_REQUIRE_PRECOMMIT=1): pip install pre-commit"
        );
        eprintln!("notice: pre-commit or git not installed; hook test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let hooks = hook_repo(dir.path());
    let repo = &dir.path().join("project");
    std::fs::create_dir(repo).unwrap();
    git(repo, &["init", "-q"]);
    git(repo, &["config", "user.email", "test@example.invalid"]);
    git(repo, &["config", "user.name", "test"]);
    std::fs::create_dir(repo.join("conf.d")).unwrap();
    std::fs::write(
        repo.join("conf.d/chat.conf"),
        "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass ws://127.0.0.1:8000;\n        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection upgrade;\n        proxy_read_timeout 1h;\n        proxy_send_timeout 1h;\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(repo.join("README.md"), "not a config\n").unwrap();
    git(repo, &["add", "."]);

    let o = try_repo(repo, &hooks, &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "the hook must fail:\n{out}");
    assert!(out.contains("WS016"), "{out}");

    let o = try_repo(repo, &hooks, &["--hook-stage", "pre-commit"]);
    assert!(!o.status.success());
    // With --fix in the hook's arguments the file is fixed.
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: local\n    hooks:\n      - id: nginx-wslint\n        name: nginx-wslint\n        entry: {} check --fix\n        language: system\n        files: (^|/)(nginx\\.conf|[^/]+\\.conf|sites-(available|enabled)/[^/]+|conf\\.d/[^/]+)$\n",
            env!("CARGO_BIN_EXE_nginx-wslint")
        ),
    )
    .unwrap();
    git(repo, &["add", "."]);
    let o = Command::new("pre-commit")
        .args(["run", "--all-files"])
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", repo.join(".cache"))
        .output()
        .unwrap();
    let fixed = std::fs::read_to_string(repo.join("conf.d/chat.conf")).unwrap();
    assert!(
        fixed.contains("proxy_pass http://127.0.0.1:8000;"),
        "{fixed}\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        !o.status.success(),
        "pre-commit fails when a hook modifies files"
    );
}
