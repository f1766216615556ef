//! The pre-commit hooks (`.pre-commit-hooks.yaml`), run by real pre-commit
//! with `pre-commit try-repo` in a temporary git repository: they fail on a
//! broken configuration with our diagnostics, and with `--fix` they fix the
//! file. `the_hook_reports_and_fixes` uses the `nginx-wslint-system` hook
//! with the binary under test on PATH; `the_rust_hook_builds_reports_and_fixes`
//! uses the `language: rust` hook, which pre-commit builds with `cargo
//! install --path .` from a git repository holding this checkout's sources.
//! Both run the `.pre-commit-config.yaml` of README.md's "pre-commit"
//! section, with its `repo:` and `rev:` pointed at the local hooks
//! repository and its commented lines uncommented as each test needs.

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

/// The commit checked out in the git repository `dir`.
fn head(dir: &Path) -> String {
    let o = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// README.md's `.pre-commit-config.yaml` (the yaml block under "###
/// pre-commit") with its `- repo:` URL replaced by `hooks`, its `rev:` by
/// `rev`, and each commented line whose text after `# ` starts with one of
/// `uncomment` uncommented where it stands (its indentation kept, so the
/// YAML nesting is the README's). Each replacement must happen exactly once:
/// a README whose snippet no longer has these lines fails here, naming the
/// line it expected, instead of the test running a configuration of its own.
fn readme_precommit_config(hooks: &Path, rev: &str, uncomment: &[&str]) -> String {
    let block = support::readme_block("### pre-commit", "yaml");
    let (mut repos, mut revs) = (0, 0);
    let mut uncommented = vec![0; uncomment.len()];
    let mut config = String::new();
    for line in block.lines() {
        let text = line.trim_start();
        let indent = &line[..line.len() - text.len()];
        if text.starts_with("- repo: ") {
            repos += 1;
            config += &format!("{indent}- repo: {}\n", hooks.display());
        } else if text.starts_with("rev: ") {
            revs += 1;
            config += &format!("{indent}rev: {rev}\n");
        } else if let Some(i) = text
            .strip_prefix("# ")
            .and_then(|rest| uncomment.iter().position(|u| rest.starts_with(u)))
        {
            uncommented[i] += 1;
            config += &format!("{indent}{}\n", &text[2..]);
        } else {
            config += line;
            config += "\n";
        }
    }
    assert_eq!(
        repos, 1,
        "README.md \"### pre-commit\": expected one `- repo: URL` line in:\n{block}"
    );
    assert_eq!(
        revs, 1,
        "README.md \"### pre-commit\": expected one `rev: VERSION` line in:\n{block}"
    );
    for (u, n) in uncomment.iter().zip(uncommented) {
        assert_eq!(
            n, 1,
            "README.md \"### pre-commit\": expected one commented line `# {u}...` in:\n{block}"
        );
    }
    config
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

/// Whether pre-commit and git are installed; otherwise a notice (or, with
/// NGINX_WSLINT_REQUIRE_PRECOMMIT=1, a failure).
fn precommit_or_skip(what: &str) -> bool {
    if have("pre-commit") && have("git") {
        return true;
    }
    assert!(
        std::env::var("NGINX_WSLINT_REQUIRE_PRECOMMIT").as_deref() != Ok("1"),
        "pre-commit is required (NGINX_WSLINT_REQUIRE_PRECOMMIT=1): pip install pre-commit"
    );
    eprintln!("notice: pre-commit or git not installed; {what} skipped");
    false
}

/// `DIR/project`: a git repository with a broken configuration
/// `conf.d/chat.conf` (WS016: `proxy_pass ws://`) and a README the hooks
/// must not select, both staged.
fn broken_project(dir: &Path) -> PathBuf {
    let repo = dir.join("project");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["config", "user.email", "test@example.invalid"]);
    git(&repo, &["config", "user.name", "test"]);
    std::fs::create_dir(repo.join("conf.d")).unwrap();
    std::fs::write(
        repo.join("conf.d/chat.conf"),
        "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass ws://127.0.0.1:8000;\n        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection upgrade;\n        proxy_read_timeout 1h;\n        proxy_send_timeout 1h;\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(repo.join("README.md"), "not a config\n").unwrap();
    git(&repo, &["add", "."]);
    repo
}

#[test]
fn the_hook_reports_and_fixes() {
    if !precommit_or_skip("hook test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let hooks = hook_repo(dir.path());
    let repo = &broken_project(dir.path());

    let o = try_repo(repo, &hooks, &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "the hook must fail:\n{out}");
    assert!(out.contains("WS016"), "{out}");

    let o = try_repo(repo, &hooks, &["--hook-stage", "pre-commit"]);
    assert!(!o.status.success());

    // The README's configuration with its `nginx-wslint-system` line
    // uncommented. Run by its id, pre-commit installs only that hook (the
    // cargo-built one is the next test's): it reports and changes nothing.
    let broken = std::fs::read_to_string(repo.join("conf.d/chat.conf")).unwrap();
    let config = readme_precommit_config(&hooks, &head(&hooks), &["- id: nginx-wslint-system"]);
    std::fs::write(repo.join(".pre-commit-config.yaml"), &config).unwrap();
    git(repo, &["add", ".pre-commit-config.yaml"]);
    let o = Command::new("pre-commit")
        .args(["run", "nginx-wslint-system", "--all-files"])
        .current_dir(repo)
        .env("PATH", support::path_with_binary())
        .env("PRE_COMMIT_HOME", repo.join(".cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !o.status.success(),
        "the hook must fail:\n{config}\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("conf.d/chat.conf") && out.contains("WS016"),
        "{config}\n{out}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("conf.d/chat.conf")).unwrap(),
        broken,
        "without --fix the file is left alone"
    );

    // With --fix in the hook's arguments the file is fixed. (The README
    // shows `args: [--fix]` for the cargo-built hook only; the next test
    // runs that.)
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: local\n    hooks:\n      - id: nginx-wslint\n        name: nginx-wslint\n        entry: {} check --fix\n        language: system\n        files: (^|/)(nginx\\.conf|[^/]+\\.conf|sites-(available|enabled)/[^/]+|conf\\.d/[^/]+)$\n",
            env!("CARGO_BIN_EXE_nginx-wslint")
        ),
    )
    .unwrap();
    git(repo, &["add", ".pre-commit-config.yaml"]);
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

/// What the `language: rust` hook test keeps between runs, under cargo's
/// target directory: `target/` for `cargo install` (compiled dependencies
/// are reused), `home/` for pre-commit's store (the `--fix` run's clone and
/// installed hook), `hooks/` for the hooks repository.
fn rust_hook_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("precommit-rust")
}

/// Copies `from` to `to`, leaving out `target` directories and dot files.
fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let name = entry.unwrap().file_name();
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                copy_tree(&from.join(&name), &to.join(&name));
            }
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

/// A git repository at `dir` with this checkout's sources as they are on
/// disk (what `cargo install --path .` builds, and the hooks manifest) in
/// one commit with a fixed author, date and no parent: the same sources
/// give the same revision, which pre-commit's store then finds again.
/// Returns the revision.
fn source_repo(dir: &Path) -> String {
    let root = support::root();
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    for path in [
        ".pre-commit-hooks.yaml",
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "src",
        "crates",
    ] {
        copy_tree(&root.join(path), &dir.join(path));
    }
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    let commit = Command::new("git")
        .args([
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            "sources",
        ])
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    head(dir)
}

/// pre-commit in `repo` with what makes the hook's `cargo install` cheap:
/// a target directory kept between runs and a release profile without
/// optimisation, LTO or debug information (the binary built only has to
/// lint one file). `try-repo` installs in a temporary store of its own
/// whatever PRE_COMMIT_HOME says; `run` uses PRE_COMMIT_HOME.
/// PATH is left as it is: the hook finds the binary pre-commit installed,
/// not the one under test.
fn precommit_rust(repo: &Path, args: &[&str]) -> Output {
    let cache = rust_hook_cache();
    Command::new("pre-commit")
        .args(args)
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", cache.join("home"))
        .env("CARGO_TARGET_DIR", cache.join("target"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_TERM_COLOR", "never")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The `language: rust` hook as users get it: pre-commit clones the hooks
/// repository and runs `cargo install --path .` in it. `pre-commit
/// try-repo` (which always installs afresh in a temporary store) reports
/// the broken file with our diagnostics; the README's
/// `.pre-commit-config.yaml` with its `args: [--fix]` uncommented fixes it.
#[test]
fn the_rust_hook_builds_reports_and_fixes() {
    if !precommit_or_skip("language: rust hook test") {
        return;
    }
    let cache = rust_hook_cache();
    let hooks = cache.join("hooks");
    let rev = source_repo(&hooks);
    // The store keeps one revision: older clones and installs go.
    let stored = cache.join("home.rev");
    if std::fs::read_to_string(&stored).ok().as_deref() != Some(rev.as_str()) {
        let _ = std::fs::remove_dir_all(cache.join("home"));
        std::fs::write(&stored, &rev).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = &broken_project(dir.path());
    let broken = std::fs::read_to_string(repo.join("conf.d/chat.conf")).unwrap();
    let hooks = hooks.display().to_string();

    let start = std::time::Instant::now();
    let o = precommit_rust(
        repo,
        &[
            "try-repo",
            &hooks,
            "nginx-wslint",
            "--ref",
            &rev,
            "--all-files",
            "--verbose",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !o.status.success(),
        "the hook must fail:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("conf.d/chat.conf") && out.contains("WS016"),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.contains("README.md"), "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.join("conf.d/chat.conf")).unwrap(),
        broken,
        "without --fix the file is left alone"
    );

    // The README's configuration, with its `args: [--fix]` uncommented.
    let config = readme_precommit_config(Path::new(&hooks), &rev, &["args: [--fix]"]);
    std::fs::write(repo.join(".pre-commit-config.yaml"), &config).unwrap();
    git(repo, &["add", ".pre-commit-config.yaml"]);
    let try_repo_took = start.elapsed();
    let start = std::time::Instant::now();
    let o = precommit_rust(repo, &["run", "--all-files"]);
    eprintln!(
        "notice: language: rust hook: try-repo {:.0?}, run with --fix {:.0?} (each includes pre-commit's cargo install)",
        try_repo_took,
        start.elapsed()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let fixed = std::fs::read_to_string(repo.join("conf.d/chat.conf")).unwrap();
    assert!(
        fixed.contains("proxy_pass http://127.0.0.1:8000;"),
        "{config}\n{fixed}\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !o.status.success(),
        "pre-commit fails when a hook modifies files:\n{out}"
    );
    // pre-commit built the hook with cargo into its store.
    let installed = std::fs::read_dir(cache.join("home"))
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.path().join("rustenv-system/bin/nginx-wslint").is_file());
    assert!(installed, "no cargo-installed hook in pre-commit's store");
}
