//! The `full` format: miette's graphical reports.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use nginx_wslint_parser::ConfigSet;
use rayon::prelude::*;

use super::display_path;
use nginx_wslint_rules::diagnostic::{Diagnostic, Severity};

/// A file's bytes with the name miette shows above the snippet.
///
/// miette finds a span's lines by scanning the source from its first byte,
/// which is quadratic over many diagnostics in a large file (337 reports
/// in a 4 MB file took 11 s). `read_span` hands it only the lines around the
/// span instead, found in `line_starts`, and shifts the answer back.
struct NamedBytes<'a> {
    name: String,
    bytes: &'a [u8],
    /// Offsets where a line starts in miette's sense (after LF, CRLF or a
    /// lone CR), starting with 0.
    line_starts: &'a [usize],
}

/// The offsets where lines start, with miette's line ends: LF, CRLF and a
/// lone CR.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        // The LF of a CRLF ends the line; its CR does not.
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        starts.push(i + 1);
    }
    starts
}

impl SourceCode for NamedBytes<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let line_of = |offset: usize| self.line_starts.partition_point(|&s| s <= offset) - 1;
        let last_byte = (span.offset() + span.len()).saturating_sub(1);
        // miette takes an empty span at a line start to end on the line
        // before, so the window starts at whichever comes first.
        let first = line_of(span.offset().min(last_byte)).saturating_sub(context_lines_before);
        // Two lines of slack: miette looks one line end past the span.
        let end_line = line_of(last_byte) + context_lines_after + 2;
        let base = self.line_starts[first];
        let end = self
            .line_starts
            .get(end_line)
            .copied()
            .unwrap_or(self.bytes.len());
        let window = self.bytes.get(base..end).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + base).into(),
                contents.span().len(),
            ),
            contents.line() + first,
            contents.column(),
            contents.line_count() + first,
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
    // Messages are not wrapped (like ruff's and shellcheck's): a message is
    // one line to grep and copy, and miette's wrapping (Unicode line
    // breaking, at 200 columns) cost 8% of a run with a few hundred
    // diagnostics.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_wrap_lines(false);
    // Line starts of each file with findings, then every report rendered
    // on its own (in parallel: a many-file run has thousands) and written
    // in order.
    let mut line_starts_by_file = std::collections::HashMap::new();
    for d in diagnostics {
        line_starts_by_file
            .entry(d.file)
            .or_insert_with(|| line_starts(config.file(d.file).source()));
    }
    let render = |d: &Diagnostic| {
        let source = config.file(d.file).source();
        let short = quotable(source, d.span.start as usize)
            && d.related
                .as_ref()
                .is_none_or(|(span, _)| quotable(source, span.start as usize));
        let report = Report {
            diagnostic: d,
            source: NamedBytes {
                name: display_path(config, d),
                bytes: source,
                line_starts: &line_starts_by_file[&d.file],
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
        let mut text = String::new();
        handler.render_report(&mut text, &report).map(|_| text)
    };
    // Threads pay off for many reports only.
    let rendered: Vec<Result<String, fmt::Error>> = if diagnostics.len() >= 64 {
        diagnostics.par_iter().map(render).collect()
    } else {
        diagnostics.iter().map(render).collect()
    };
    for text in rendered {
        let text = text.map_err(|e| io::Error::other(e.to_string()))?;
        out.write_all(text.as_bytes())?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windowed `read_span` answers exactly what miette's whole-file scan
    /// answers, for every span in texts with LF, CRLF and lone-CR line ends.
    #[test]
    fn windowed_read_span_matches_miettes_whole_file_scan() {
        let texts: [&[u8]; 5] = [
            b"events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n",
            b"a;\r\nb;\r\n\r\nc { d; }\r\n",
            b"a;\rb;\r\rc;\n\r\nd;",
            b"\n\n\nx\n\n",
            b"no line end at all",
        ];
        for text in texts {
            let starts = line_starts(text);
            let windowed = NamedBytes {
                name: "f".to_string(),
                bytes: text,
                line_starts: &starts,
            };
            for offset in 0..=text.len() {
                for len in 0..=(text.len() - offset).min(12) {
                    for (before, after) in [(0, 0), (1, 1), (3, 2), (0, 4)] {
                        let span = SourceSpan::new(offset.into(), len);
                        let expected = text.read_span(&span, before, after);
                        let got = windowed.read_span(&span, before, after);
                        match (expected, got) {
                            (Ok(e), Ok(g)) => {
                                let case = format!("{text:?} {offset}+{len} ctx {before}/{after}");
                                assert_eq!(e.data(), g.data(), "{case}");
                                assert_eq!(e.span(), g.span(), "{case}");
                                assert_eq!(e.line(), g.line(), "{case}");
                                assert_eq!(e.column(), g.column(), "{case}");
                                assert_eq!(e.line_count(), g.line_count(), "{case}");
                            }
                            (Err(_), Err(_)) => {}
                            (e, g) => panic!(
                                "{text:?} {offset}+{len}: whole-file scan {:?}, window {:?}",
                                e.is_ok(),
                                g.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }
}
