//! Printing diagnostics in the formats of SPEC §3.

mod concise;
mod full;
mod json;

use std::io::{self, Write};

use nginx_wslint_parser::ConfigSet;

use crate::cli::OutputFormat;
use nginx_wslint_rules::diagnostic::Diagnostic;

pub struct Printer {
    pub format: OutputFormat,
    pub color: bool,
    pub quiet: bool,
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
            OutputFormat::Concise => concise::print(out, config, diagnostics)?,
            OutputFormat::Json => return json::print(out, config, diagnostics),
        }
        if !self.quiet {
            summary(out, diagnostics)?;
        }
        Ok(())
    }
}

fn summary(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    match diagnostics.len() {
        0 => writeln!(out, "All checks passed!"),
        1 => writeln!(out, "Found 1 diagnostic."),
        n => writeln!(out, "Found {n} diagnostics."),
    }
}

/// The path to show for a file: as given or as nginx resolved it.
pub fn display_path(config: &ConfigSet, diagnostic: &Diagnostic) -> String {
    config.file(diagnostic.file).path.display().to_string()
}
