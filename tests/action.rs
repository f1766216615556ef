//! The composite GitHub Action (`action.yml`): its shell steps run locally
//! with a fake `GITHUB_*` environment, with the binary under test on PATH;
//! and the workflow steps of README.md's "GitHub Actions" section, checked
//! against `action.yml` and run with the inputs they give.

mod support;

use std::path::Path;
use std::process::Command;

use support::root;

/// The environment of a runner executing the action's scripts: the binary
/// under test on PATH, the action's checkout at GITHUB_ACTION_PATH, and
/// GITHUB_PATH and RUNNER_TEMP in `temp`; run in `cwd`.
fn runner_env(cmd: &mut Command, temp: &Path, cwd: &Path) {
    cmd.env("PATH", support::path_with_binary())
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_PATH", temp.join("github_path"))
        .env("RUNNER_TEMP", temp)
        .env("GITHUB_ACTIONS", "true")
        .current_dir(cwd);
}

#[test]
fn the_action_annotates_reports_and_writes_sarif() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(action.contains("using: composite"));
    assert!(
        action.contains("INPUT_ARGS: ${{ inputs.args }}"),
        "inputs reach the scripts through env"
    );

    let dir = tempfile::tempdir().unwrap();
    let env = |cmd: &mut Command| runner_env(cmd, dir.path(), &root());

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

/// A YAML scalar as these snippets write it: a trailing ` # comment` and
/// surrounding quotes removed.
fn scalar(value: &str) -> String {
    let value = value.split(" #").next().unwrap().trim();
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''));
    if quoted {
        value[1..value.len() - 1].to_string()
    } else {
        value.to_string()
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The `with:` entries of the README workflow step whose `uses:` starts with
/// `uses`, in order. Panics, naming the step, when there is none.
fn readme_step_with(block: &str, uses: &str) -> Vec<(String, String)> {
    let mut lines = block.lines().skip_while(|l| {
        !l.trim_start()
            .trim_start_matches("- ")
            .starts_with(&format!("uses: {uses}"))
    });
    let step = lines.next().unwrap_or_else(|| {
        panic!("README.md \"### GitHub Actions\": no step `- uses: {uses}...` in:\n{block}")
    });
    let step_indent = indent(step);
    let mut with = None;
    let mut entries = Vec::new();
    for line in lines {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if indent(line) <= step_indent {
            break; // the next step
        }
        match with {
            None if line.trim() == "with:" => with = Some(indent(line)),
            Some(w) if indent(line) > w => {
                let (key, value) = line.trim().split_once(':').unwrap_or_else(|| {
                    panic!("README.md: `{line}` under `with:` is not `key: value`")
                });
                entries.push((key.to_string(), scalar(value)));
            }
            Some(_) => with = None,
            None => {}
        }
    }
    assert!(
        !entries.is_empty(),
        "README.md \"### GitHub Actions\": the `{uses}` step has no `with:` entries in:\n{block}"
    );
    entries
}

/// `action.yml`'s inputs with their defaults (`""` without one), in order.
fn action_inputs(action: &str) -> Vec<(String, String)> {
    let mut inputs = Vec::new();
    let mut lines = action.lines().skip_while(|l| *l != "inputs:").skip(1);
    for line in lines.by_ref() {
        if !line.is_empty() && indent(line) == 0 {
            break;
        }
        if indent(line) == 2 {
            let name = line
                .trim()
                .strip_suffix(':')
                .unwrap_or_else(|| panic!("action.yml: input line `{line}` does not end with `:`"));
            inputs.push((name.to_string(), String::new()));
        } else if let Some(default) = line.trim().strip_prefix("default:") {
            inputs.last_mut().unwrap().1 = scalar(default);
        }
    }
    assert!(!inputs.is_empty(), "action.yml declares no inputs");
    inputs
}

/// The README's workflow, as a runner would execute it: every `with:` key
/// of the action step is an input of `action.yml`, the upload step uploads
/// the file the action writes, and `action/run.sh`, given those inputs
/// (the others at their defaults) through the environment names
/// `action.yml` maps them to, annotates a broken configuration and writes
/// the SARIF file the README names.
#[test]
fn the_readme_workflow_uses_the_actions_inputs_and_uploads_its_sarif() {
    let block = support::readme_block("### GitHub Actions", "yaml");
    let with = readme_step_with(&block, "nginx-wslint/nginx-wslint@");
    let upload = readme_step_with(&block, "github/codeql-action/upload-sarif@");
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let inputs = action_inputs(&action);
    let declared: Vec<&str> = inputs.iter().map(|(name, _)| name.as_str()).collect();
    for (key, _) in &with {
        assert!(
            declared.contains(&key.as_str()),
            "README.md `with: {key}` is not an input of action.yml (inputs: {declared:?})"
        );
    }
    let given = |key: &str| {
        with.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("README.md: the action step has no `with: {key}`"))
    };
    let sarif_file = given("sarif-file");
    assert!(!sarif_file.is_empty(), "README.md: `sarif-file` is empty");
    assert_eq!(
        upload.iter().find(|(k, _)| k == "sarif_file"),
        Some(&("sarif_file".to_string(), sarif_file.clone())),
        "README.md: the upload step's `sarif_file` must be the action's `sarif-file`"
    );

    // A workspace holding the broken configuration where `paths` points.
    let temp = tempfile::tempdir().unwrap();
    let workspace = temp.path().join("workspace");
    let paths = given("paths");
    assert!(
        !paths.contains(char::is_whitespace) && !paths.starts_with('/'),
        "README.md: this test expects `paths` to be one relative directory, such as `nginx/`, not {paths:?}"
    );
    std::fs::create_dir_all(workspace.join(&paths)).unwrap();
    let seed = "002-chat-proxy-location.conf";
    std::fs::copy(
        root().join("fixtures/seeds").join(seed),
        workspace.join(&paths).join(seed),
    )
    .unwrap();

    let mut run = Command::new(root().join("action/run.sh"));
    runner_env(&mut run, temp.path(), &workspace);
    let mut passed = Vec::new();
    let mut mapped = Vec::new();
    for (name, default) in &inputs {
        // `NAME: ${{ inputs.<name> }}` in a step's env.
        let reference = format!(": ${{{{ inputs.{name} }}}}");
        let Some(line) = action.lines().find(|l| l.trim_end().ends_with(&reference)) else {
            continue;
        };
        let var = line.trim().strip_suffix(&reference).unwrap();
        let value = with
            .iter()
            .find(|(k, _)| k == name)
            .map_or(default.clone(), |(_, v)| v.clone());
        run.env(var, &value);
        passed.push(format!("{var}={value}"));
        mapped.push(name.as_str());
    }
    for (key, _) in &with {
        assert!(
            mapped.contains(&key.as_str()),
            "action.yml passes `${{{{ inputs.{key} }}}}` to no step's env"
        );
    }
    let o = run.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let context = format!("{passed:?}\n{out}\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        o.status.code(),
        Some(1),
        "findings fail the step:\n{context}"
    );
    let annotations: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::error ") || l.starts_with("::warning "))
        .collect();
    assert!(!annotations.is_empty(), "no annotations:\n{context}");
    for a in &annotations {
        assert!(a.contains(&format!("/{seed},line=17,")), "{a}\n{context}");
    }
    assert!(
        out.contains(&format!("SARIF written to {sarif_file}")),
        "{context}"
    );
    let written = workspace.join(&sarif_file);
    let text = std::fs::read_to_string(&written)
        .unwrap_or_else(|e| panic!("{}: {e}\n{context}", written.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["runs"][0]["results"].as_array().unwrap().len(),
        annotations.len(),
        "one SARIF result per annotation:\n{text}"
    );
}
