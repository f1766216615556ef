//! The `full` format: miette's graphical reports.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use nginx_wslint_parser::ConfigSet;

use super::display_path;
use nginx_wslint_rules::diagnostic::{Diagnostic, Severity};

/// A file's bytes with the name miette shows above the snippet.
struct NamedBytes<'a> {
    name: String,
    bytes: &'a [u8],
}

impl SourceCode for NamedBytes<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self
            .bytes
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedBytes<'a>,
    /// `None` when the lines are too long to show (a generated one-line
    /// file): the report then names the place instead of quoting it.
    place: Option<String>,
}

/// Lines longer than this are not quoted in reports.
const MAX_SNIPPET_LINE: usize = 1000;

/// Whether the lines around `offset` are short enough to quote.
fn quotable(source: &[u8], offset: usize) -> bool {
    let offset = offset.min(source.len());
    let start = source[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = source[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(source.len(), |i| offset + i);
    end - start <= MAX_SNIPPET_LINE
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)?;
        match &self.place {
            Some(place) => write!(f, "\n  at {place} (line too long to show)"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{} {}",
            self.diagnostic.code.code, self.diagnostic.code.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.code.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let d = self.diagnostic;
        let fix = d.fix.as_ref().map(|f| match f.applicability {
            nginx_wslint_autofix::Applicability::Safe => format!("fix: {} (`--fix`)", f.title),
            nginx_wslint_autofix::Applicability::Unsafe => {
                format!("fix: {} (`--fix --unsafe-fixes`)", f.title)
            }
        });
        match (&d.help, fix) {
            (Some(h), Some(f)) => Some(Box::new(format!("{h}\n{f}"))),
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(f)) => Some(Box::new(f)),
            (None, None) => None,
        }
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.url()))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.place
            .is_none()
            .then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.place.is_some() {
            return None;
        }
        let d = self.diagnostic;
        let at_eof = d.span.is_empty() && d.span.end as usize >= self.source.bytes.len();
        let mut labels = Vec::new();
        // An empty span at the end of the file cannot be drawn; the related
        // place (the unclosed block) says more anyway.
        if !(at_eof && d.related.is_some()) {
            labels.push(LabeledSpan::new_primary_with_span(
                Some("here".to_string()),
                d.span.range(),
            ));
        }
        if let Some((span, label)) = &d.related {
            labels.push(LabeledSpan::new_with_span(
                Some(label.clone()),
                span.range(),
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

pub fn print(
    out: &mut dyn Write,
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
    color: bool,
) -> io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false);
    for d in diagnostics {
        let source = &config.file(d.file).source;
        let short = quotable(source, d.span.start as usize)
            && d.related
                .as_ref()
                .is_none_or(|(span, _)| quotable(source, span.start as usize));
        let report = Report {
            diagnostic: d,
            source: NamedBytes {
                name: display_path(config, d),
                bytes: source,
            },
            place: (!short).then(|| {
                format!(
                    "{}:{}:{}",
                    display_path(config, d),
                    d.start.line,
                    d.start.column
                )
            }),
        };
        let mut rendered = String::new();
        handler
            .render_report(&mut rendered, &report)
            .map_err(|e| io::Error::other(e.to_string()))?;
        out.write_all(rendered.as_bytes())?;
        writeln!(out)?;
    }
    Ok(())
}
