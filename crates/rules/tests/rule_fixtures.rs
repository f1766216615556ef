//! Every rule has cases that must fire (`fixtures/rules/CODE.conf`, exact
//! codes, lines and messages as insta snapshots) and cases that must stay
//! clean (`fixtures/rules/CODE_ok.conf`).

mod common;

use std::path::{Path, PathBuf};

use nginx_wslint_rules::rules;

fn fixtures() -> PathBuf {
    common::fixtures().join("rules")
}

/// Lints one file with one rule; one line per diagnostic.
fn lint(path: &Path, code: &str) -> Vec<String> {
    common::lint_file(path, &|r| r.code.code == code)
        .iter()
        .map(|d| {
            format!(
                "{}:{} {} {:?} {}",
                d.start.line, d.start.column, d.code.code, d.code.severity, d.message
            )
        })
        .collect()
}

#[test]
fn every_rule_has_firing_and_clean_fixtures() {
    for rule in rules::ALL {
        let code = rule.code.code;
        let firing = fixtures().join(format!("{code}.conf"));
        let clean = fixtures().join(format!("{code}_ok.conf"));
        assert!(firing.is_file(), "missing {}", firing.display());
        assert!(clean.is_file(), "missing {}", clean.display());
        let found = lint(&firing, code);
        assert!(!found.is_empty(), "{code}.conf must fire {code}");
        insta::assert_snapshot!(code, found.join("\n"));
        let quiet = lint(&clean, code);
        assert!(
            quiet.is_empty(),
            "{code}_ok.conf must stay clean, got:\n{}",
            quiet.join("\n")
        );
    }
}

#[test]
fn rule_docs_have_every_section() {
    for rule in rules::ALL {
        let doc = rule.doc();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix safety",
        ] {
            assert!(
                doc.contains(section),
                "{}: missing {section}",
                rule.code.code
            );
        }
        assert!(!rule.summary().is_empty());
        assert_eq!(
            rules::find(rule.code.name).map(|r| r.code.code),
            Some(rule.code.code)
        );
        assert_eq!(
            rules::find(&rule.code.code.to_lowercase()).map(|r| r.code.code),
            Some(rule.code.code)
        );
    }
}
