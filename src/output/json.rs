use std::io::{self, Write};

use nginx_wslint_parser::ConfigSet;
use serde::Serialize;

use super::display_path;
use nginx_wslint_rules::diagnostic::{Diagnostic, Severity};

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: &'a str,
    filename: String,
    location: Location,
    end_location: Location,
    fix: Option<()>,
    url: String,
}

#[derive(Serialize)]
struct Location {
    row: u32,
    column: u32,
}

/// SPEC §3 `json`: an array with one object per diagnostic.
pub fn print(
    out: &mut dyn Write,
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let items: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.code,
            name: d.code.name,
            severity: d.code.severity,
            message: &d.message,
            filename: display_path(config, d),
            location: Location {
                row: d.start.line,
                column: d.start.column,
            },
            end_location: Location {
                row: d.end.line,
                column: d.end.column,
            },
            fix: None,
            url: d.url(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}
