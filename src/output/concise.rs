use std::io::{self, Write};

use nginx_wslint_parser::ConfigSet;

use super::display_path;
use nginx_wslint_rules::diagnostic::Diagnostic;

/// `path:line:col: CODE [*] message`, one line per diagnostic (`[*]`: `--fix`
/// would fix it).
pub fn print(
    out: &mut dyn Write,
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
    unsafe_fixes: bool,
) -> io::Result<()> {
    for d in diagnostics {
        let marker = if super::fixable(d, unsafe_fixes) {
            " [*]"
        } else {
            ""
        };
        writeln!(
            out,
            "{}:{}:{}: {}{marker} {}",
            display_path(config, d),
            d.start.line,
            d.start.column,
            d.code.code,
            one_line(&d.message)
        )?;
    }
    Ok(())
}

/// Messages may quote bytes from the file; keep each report on one line.
pub fn one_line(message: &str) -> String {
    message.replace('\r', "\\r").replace('\n', "\\n")
}
