//! Replays `fuzz/regressions/<target>/*` — crash inputs the fuzzers found
//! (minimised) and hand-made hostile inputs — through the fuzz targets'
//! checks, without a fuzzer, so CI keeps them fixed. Every input goes
//! through all three targets (parse, lint, fix), not only its own: they are
//! few and small. See fuzz/README.md.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

#[allow(dead_code)]
#[path = "../../../fuzz/src/lib.rs"]
mod checks;

const TARGETS: [&str; 3] = ["parse", "lint", "fix"];

/// A fuzz target's check.
type Check = fn(&[u8]);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

fn regressions() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for target in TARGETS {
        let dir = root().join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push((target.to_string(), path));
            }
        }
    }
    files.sort();
    files
}

/// `known-failures.txt`: `<target>/<file>` → part of its expected panic.
fn known_failures() -> HashMap<String, String> {
    let text = std::fs::read_to_string(root().join("known-failures.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, expected) = l.split_once(' ').unwrap_or((l, ""));
            (name.to_string(), expected.trim().to_string())
        })
        .collect()
}

#[test]
fn every_regression_input_passes_every_fuzz_check() {
    let files = regressions();
    for target in TARGETS {
        assert!(
            files.iter().any(|(t, _)| t == target),
            "fuzz/regressions/{target}/ holds no input"
        );
    }
    let known = known_failures();
    for name in known.keys() {
        assert!(
            root().join(name).is_file(),
            "known-failures.txt names {name}, which is not in fuzz/regressions"
        );
    }
    let mut failures = Vec::new();
    for (target, path) in &files {
        let name = format!("{target}/{}", path.file_name().unwrap().to_string_lossy());
        let data = std::fs::read(path).unwrap();
        let checks: [(&str, Check); 3] = [
            ("parse", checks::parse),
            ("lint", checks::lint),
            ("fix", checks::fix),
        ];
        let mut messages = Vec::new();
        for (check, run) in checks {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(&data))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                messages.push(format!("{check}: {message}"));
            }
        }
        match known.get(&name) {
            Some(expected) if messages.len() == 1 && messages[0].contains(expected.as_str()) => {
                eprintln!("known failure, still open: {name}: {expected}");
            }
            Some(expected) if messages.is_empty() => failures.push(format!(
                "{name} passes now: take it off fuzz/regressions/known-failures.txt (expected {expected:?})"
            )),
            Some(expected) => failures.push(format!(
                "{name}: expected one failure with {expected:?}, got:\n{}",
                messages.join("\n")
            )),
            None => failures.extend(messages.into_iter().map(|m| format!("{name}: {m}"))),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures replaying {} inputs:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!(
        "replayed {} inputs through parse, lint and fix ({} known failures)",
        files.len(),
        known.len()
    );
}

#[test]
fn the_fix_check_fixes_a_websocket_location_once() {
    // The fix check itself works: a WebSocket location missing its headers
    // is fixed, and the fixed text offers no further fix.
    let text =
        b"server {\n    location /ws/ {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n";
    let fixed = checks::fix_as(text, checks::Fixes::All, &Default::default());
    assert_ne!(fixed, text.to_vec(), "nothing was fixed");
    let fixed_text = String::from_utf8(fixed.clone()).unwrap();
    assert!(fixed_text.contains("Upgrade"), "{fixed_text}");
    assert_eq!(
        checks::fix_as(&fixed, checks::Fixes::All, &Default::default()),
        fixed
    );
}
