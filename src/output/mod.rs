//! Printing diagnostics in the formats of SPEC §3.

mod concise;
mod full;
mod github;
mod json;
mod sarif;

use std::io::{self, Write};

use nginx_wslint_parser::ConfigSet;

use crate::cli::OutputFormat;
use nginx_wslint_rules::diagnostic::Diagnostic;

pub struct Printer {
    pub format: OutputFormat,
    pub color: bool,
    pub quiet: bool,
    /// Whether unsafe fixes count as fixable (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

/// Whether `--fix` (with `--unsafe-fixes` when given) fixes a diagnostic.
pub fn fixable(d: &Diagnostic, unsafe_fixes: bool) -> bool {
    d.fix.as_ref().is_some_and(|f| {
        unsafe_fixes || f.applicability == nginx_wslint_autofix::Applicability::Safe
    })
}

impl Printer {
    pub fn print(
        &self,
        out: &mut dyn Write,
        config: &ConfigSet,
        diagnostics: &[Diagnostic],
    ) -> io::Result<()> {
        match self.format {
            OutputFormat::Full => full::print(out, config, diagnostics, self.color)?,
            OutputFormat::Concise => concise::print(out, config, diagnostics, self.unsafe_fixes)?,
            OutputFormat::Json => return json::print(out, config, diagnostics),
            OutputFormat::Github => return github::print(out, config, diagnostics),
            OutputFormat::Sarif => return sarif::print(out, config, diagnostics),
        }
        if !self.quiet {
            self.summary(out, diagnostics)?;
        }
        Ok(())
    }

    fn summary(&self, out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
        match diagnostics.len() {
            0 => return writeln!(out, "All checks passed!"),
            1 => writeln!(out, "Found 1 diagnostic.")?,
            n => writeln!(out, "Found {n} diagnostics.")?,
        }
        let safe = diagnostics
            .iter()
            .filter(|d| fixable(d, self.unsafe_fixes))
            .count();
        let hidden = diagnostics.iter().filter(|d| fixable(d, true)).count() - safe;
        if safe > 0 {
            let more = if hidden > 0 {
                format!(" ({hidden} more with `--unsafe-fixes`)")
            } else {
                String::new()
            };
            writeln!(
                out,
                "[*] {safe} fixable with `--fix`{more}; `--diff` shows the changes first."
            )?;
        } else if hidden > 0 {
            writeln!(out, "{hidden} fixable with `--fix --unsafe-fixes`.")?;
        }
        Ok(())
    }
}

/// The path to show for a file: as given or as nginx resolved it.
pub fn display_path(config: &ConfigSet, diagnostic: &Diagnostic) -> String {
    config.file(diagnostic.file).path.display().to_string()
}
