//! `sarif`: SARIF 2.1.0 for GitHub code scanning: one run, the rules that
//! fired (with their documentation as help), results with repository-
//! relative, percent-encoded URIs and regions (1-based lines, columns in
//! Unicode code points). Valid against the SARIF 2.1.0 JSON schema
//! (`tests/integrations.rs`, schema in `tests/data/`).

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

/// The URI of a file (SARIF `artifactLocation.uri`, an RFC 3986 URI
/// reference): a path under the current directory as a relative reference
/// with `/` separators, any other absolute path as a `file:` URI; bytes
/// outside the unreserved and sub-delimiter characters (a space, `%`, `#`,
/// `?`, non-ASCII) percent-encoded, and `:` too in a relative reference,
/// where it would read as a scheme.
pub fn artifact_uri(path: &str) -> String {
    let p = Path::new(path);
    let relative = match std::env::current_dir() {
        Ok(cwd) if p.is_absolute() => p
            .strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    if relative.is_absolute() {
        let slash = if text.starts_with('/') { "" } else { "/" };
        format!("file://{slash}{}", percent_encode(text, ":"))
    } else {
        percent_encode(text, "")
    }
}

/// `text` with every byte percent-encoded except the unreserved characters,
/// the sub-delimiters, `@`, `/` and the bytes in `keep`.
fn percent_encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=@/".contains(&b)
            || keep.as_bytes().contains(&b)
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
                        "artifactLocation": {"uri": artifact_uri(&display_path(config, d))},
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
