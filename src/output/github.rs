//! `github`: GitHub Actions workflow commands, one per diagnostic
//! (`::error file=F,line=L,...,title=T::message`), so that findings become
//! annotations on the pull request.

use std::io::{self, Write};

use nginx_wslint_parser::ConfigSet;
use nginx_wslint_rules::diagnostic::{Diagnostic, Severity};

use super::display_path;

/// Escapes a command's message: `%`, CR, LF (actions/toolkit `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: the data escapes plus `:` and `,`
/// (actions/toolkit `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn print(
    out: &mut dyn Write,
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    for d in diagnostics {
        let command = match d.code.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let file = display_path(config, d);
        let file = file.strip_prefix("./").unwrap_or(&file);
        let mut properties = vec![
            format!("file={}", escape_property(file)),
            format!("line={}", d.start.line),
            format!("endLine={}", d.end.line),
        ];
        // GitHub takes columns only for a range on one line.
        if d.start.line == d.end.line {
            properties.push(format!("col={}", d.start.column));
            properties.push(format!("endColumn={}", d.end.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.code.code, d.code.name))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_requires() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
