//! The composite GitHub Action (`action.yml`): its shell steps run locally
//! with a fake `GITHUB_*` environment, with the binary under test on PATH.

mod support;

use std::process::Command;

use support::root;

#[test]
fn the_action_annotates_reports_and_writes_sarif() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(action.contains("using: composite"));
    assert!(
        action.contains("INPUT_ARGS: ${{ inputs.args }}"),
        "inputs reach the scripts through env"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = support::path_with_binary();
    let github_path = dir.path().join("github_path");
    let env = |cmd: &mut Command| {
        cmd.env("PATH", &path)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_PATH", &github_path)
            .env("RUNNER_TEMP", dir.path())
            .env("GITHUB_ACTIONS", "true")
            .current_dir(root());
    };

    let mut install = Command::new(root().join("action/install.sh"));
    env(&mut install);
    let o = install.env("INPUT_VERSION", "latest").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("already installed"));

    let sarif = dir.path().join("results.sarif");
    let mut run = Command::new(root().join("action/run.sh"));
    env(&mut run);
    let o = run
        .env("INPUT_ARGS", "--select WS00")
        .env(
            "INPUT_PATHS",
            "fixtures/seeds/002-chat-proxy-location.conf fixtures/seeds/003-channels-shop.conf",
        )
        .env("INPUT_ANNOTATIONS", "true")
        .env("INPUT_SARIF_FILE", &sarif)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "findings fail the step:\n{out}");
    let annotations: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::error ") || l.starts_with("::warning "))
        .collect();
    assert_eq!(annotations.len(), 6, "{out}");
    assert!(
        annotations[0]
            .starts_with("::error file=fixtures/seeds/002-chat-proxy-location.conf,line=17,"),
        "{}",
        annotations[0]
    );
    assert!(
        out.contains("::group::nginx-wslint report") && out.contains("Found 6 diagnostics."),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 6);
}
