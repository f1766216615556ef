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
    fix: Option<JsonFix>,
    url: String,
}

#[derive(Serialize)]
struct JsonFix {
    applicability: nginx_wslint_autofix::Applicability,
    message: String,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    content: String,
    location: Location,
    end_location: Location,
    /// The file the edit applies to, when it is not the diagnostic's.
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<String>,
}

fn json_fix(config: &ConfigSet, d: &Diagnostic) -> Option<JsonFix> {
    let fix = d.fix.as_ref()?;
    let edits = fix
        .edits
        .iter()
        .map(|e| {
            let file = config.file(nginx_wslint_parser::FileId(e.file));
            let start = file.line_col(e.start);
            let end = file.line_col(e.end);
            JsonEdit {
                content: e.content.clone(),
                location: Location {
                    row: start.line,
                    column: start.column,
                },
                end_location: Location {
                    row: end.line,
                    column: end.column,
                },
                filename: (e.file != d.file.0).then(|| file.path.display().to_string()),
            }
        })
        .collect();
    Some(JsonFix {
        applicability: fix.applicability,
        message: fix.title.clone(),
        edits,
    })
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
            fix: json_fix(config, d),
            url: d.url(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}
