//! `sarif`: SARIF 2.1.0 for GitHub code scanning: one run, the rules that
//! fired (with their documentation as help), results with repository-
//! relative URIs and regions (1-based lines, columns in Unicode code
//! points).

use std::io::{self, Write};
use std::path::Path;

use nginx_wslint_parser::ConfigSet;
use nginx_wslint_rules::diagnostic::{Diagnostic, Severity, DOCS_URL};
use nginx_wslint_rules::rules;
use serde_json::{json, Value};

use super::display_path;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path relative to the current directory, with `/` separators.
pub fn relative_uri(path: &str) -> String {
    let p = Path::new(path);
    let relative = match std::env::current_dir() {
        Ok(cwd) if p.is_absolute() => p
            .strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

pub fn print(
    out: &mut dyn Write,
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.code.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rule_objects: Vec<Value> = codes
        .iter()
        .filter_map(|code| rules::find(code))
        .map(|rule| {
            let doc = rule.doc();
            json!({
                "id": rule.code.code,
                "name": rule.code.name,
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": rule.summary()},
                "help": {"text": doc, "markdown": doc},
                "helpUri": format!("{DOCS_URL}/{}.md", rule.code.code),
                "defaultConfiguration": {"level": level(rule.code.severity)},
                "properties": {"tags": ["nginx", "websocket"]},
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = codes.iter().position(|c| *c == d.code.code).unwrap_or(0);
            json!({
                "ruleId": d.code.code,
                "ruleIndex": rule_index,
                "level": level(d.code.severity),
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": relative_uri(&display_path(config, d))},
                        "region": {
                            "startLine": d.start.line,
                            "startColumn": d.start.column,
                            "endLine": d.end.line,
                            "endColumn": d.end.column.max(d.start.column + u32::from(d.start.line == d.end.line)),
                        }
                    }
                }],
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "nginx-wslint",
                "informationUri": "https://github.com/nginx-wslint/nginx-wslint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_objects,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
