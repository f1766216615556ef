//! The `full` format: miette's graphical reports. Without colours our own
//! renderer (`plain`) draws the shapes our reports take, byte for byte as
//! miette would; miette draws the rest, and everything in colour.

#[cfg(test)]
mod differential;
mod plain;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::OnceLock;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use nginx_wslint_parser::{ConfigSet, FileId};
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
    name: &'a str,
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
            self.name.to_string(),
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

/// What one report shows; both renderers draw it from here.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    /// The file's path as shown.
    name: &'a str,
    source: &'a [u8],
    /// `Some` when the lines are too long to show (a generated one-line
    /// file): the report then names the place instead of quoting it.
    place: Option<String>,
    /// The labelled spans, primary first; none when `place` is set.
    labels: Vec<Label<'a>>,
    /// The help line and the fix's, if any.
    help: Option<Cow<'a, str>>,
}

struct Label<'a> {
    span: Range<usize>,
    text: &'a str,
    primary: bool,
}

impl<'a> Report<'a> {
    /// The report of `diagnostic`, whose file's path is shown as `name`
    /// ([`display_path`]).
    fn new(config: &'a ConfigSet, diagnostic: &'a Diagnostic, name: &'a str) -> Report<'a> {
        let d = diagnostic;
        let source = config.file(d.file).source();
        let short = quotable(source, d.span.start as usize)
            && d.related
                .as_ref()
                .is_none_or(|(span, _)| quotable(source, span.start as usize));
        let place = (!short).then(|| format!("{name}:{}:{}", d.start.line, d.start.column));
        let labels = if short { labels(d, source) } else { Vec::new() };
        Report {
            diagnostic,
            name,
            source,
            place,
            labels,
            help: help(d),
        }
    }

    /// The text after the severity mark: the message, and the place when
    /// the lines are not shown.
    fn message(&self) -> Cow<'a, str> {
        match &self.place {
            Some(place) => Cow::Owned(format!(
                "{}\n  at {place} (line too long to show)",
                self.diagnostic.message
            )),
            None => Cow::Borrowed(&self.diagnostic.message),
        }
    }
}

fn labels<'a>(d: &'a Diagnostic, source: &[u8]) -> Vec<Label<'a>> {
    let at_eof = d.span.is_empty() && d.span.end as usize >= source.len();
    let mut labels = Vec::new();
    // An empty span at the end of the file cannot be drawn; the related
    // place (the unclosed block) says more anyway.
    if !(at_eof && d.related.is_some()) {
        labels.push(Label {
            span: d.span.range(),
            text: "here",
            primary: true,
        });
    }
    if let Some((span, label)) = &d.related {
        labels.push(Label {
            span: span.range(),
            text: label,
            primary: false,
        });
    }
    labels
}

fn help(d: &Diagnostic) -> Option<Cow<'_, str>> {
    // Joined at their exact length (`format!` guesses, and grew these).
    let fix = d.fix.as_ref().map(|f| {
        let how = match f.applicability {
            nginx_wslint_autofix::Applicability::Safe => " (`--fix`)",
            nginx_wslint_autofix::Applicability::Unsafe => " (`--fix --unsafe-fixes`)",
        };
        ["fix: ", &f.title, how].concat()
    });
    match (&d.help, fix) {
        (Some(h), Some(f)) => Some(Cow::Owned([h.as_str(), "\n", &f].concat())),
        (Some(h), None) => Some(Cow::Borrowed(h)),
        (None, Some(f)) => Some(Cow::Owned(f)),
        (None, None) => None,
    }
}

/// Lines longer than this are not quoted in reports.
const MAX_SNIPPET_LINE: usize = 1000;

/// Whether the lines around `offset` are short enough to quote.
fn quotable(source: &[u8], offset: usize) -> bool {
    let offset = offset.min(source.len());
    let start = memchr::memrchr(b'\n', &source[..offset]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &source[offset..]).map_or(source.len(), |i| offset + i);
    end - start <= MAX_SNIPPET_LINE
}

/// A report as miette's `Diagnostic`, its source read through `NamedBytes`.
struct MietteReport<'a> {
    report: &'a Report<'a>,
    source: NamedBytes<'a>,
}

impl fmt::Debug for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report.diagnostic.message)
    }
}

impl fmt::Display for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report.message())
    }
}

impl std::error::Error for MietteReport<'_> {}

impl miette::Diagnostic for MietteReport<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = self.report.diagnostic.code;
        Some(Box::new(format!("{} {}", code.code, code.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.report.diagnostic.code.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.report
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.report.diagnostic.url()))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.report
            .place
            .is_none()
            .then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.report.place.is_some() {
            return None;
        }
        Some(Box::new(self.report.labels.iter().map(|l| {
            let text = Some(l.text.to_string());
            if l.primary {
                LabeledSpan::new_primary_with_span(text, l.span.clone())
            } else {
                LabeledSpan::new_with_span(text, l.span.clone())
            }
        })))
    }
}

/// Facts about a file with findings, each found once, on first need.
#[derive(Default)]
struct FileFacts {
    /// Whether no line ends in a lone CR: then miette numbers lines as the
    /// parser's line index does, which `plain` relies on.
    no_lone_cr: OnceLock<bool>,
    /// miette's line starts, for the reports miette draws.
    line_starts: OnceLock<Vec<usize>>,
    /// The path as shown ([`display_path`]).
    name: OnceLock<String>,
}

fn has_lone_cr(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

/// Draws reports: `plain` where it can, else miette.
struct Renderer<'a> {
    config: &'a ConfigSet,
    /// miette's handler; `plain` draws only without colours.
    handler: GraphicalReportHandler,
    color: bool,
    files: HashMap<FileId, FileFacts>,
}

impl<'a> Renderer<'a> {
    fn new(config: &'a ConfigSet, diagnostics: &[Diagnostic], color: bool) -> Renderer<'a> {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        // Messages are not wrapped (like ruff's and shellcheck's): a message
        // is one line to grep and copy, and miette's wrapping (Unicode line
        // breaking, at 200 columns) cost 8% of a run with a few hundred
        // diagnostics.
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_links(false)
            .with_wrap_lines(false);
        let files = diagnostics
            .iter()
            .map(|d| (d.file, FileFacts::default()))
            .collect();
        Renderer {
            config,
            handler,
            color,
            files,
        }
    }

    /// Appends the report of `d`.
    fn render(&self, out: &mut String, d: &Diagnostic) -> fmt::Result {
        // Every file with findings has its facts; `fresh` only keeps this
        // from relying on it.
        let fresh = FileFacts::default();
        let facts = self.files.get(&d.file).unwrap_or(&fresh);
        let name = facts.name.get_or_init(|| display_path(self.config, d));
        let report = Report::new(self.config, d, name);
        let start = out.len();
        if self.render_plain(out, &report, facts).is_some() {
            return Ok(());
        }
        out.truncate(start);
        self.render_with_miette(out, &report, facts)
    }

    /// Appends the report drawn by `plain`, if it draws it.
    fn render_plain(&self, out: &mut String, report: &Report, facts: &FileFacts) -> Option<()> {
        let no_lone_cr = || *facts.no_lone_cr.get_or_init(|| !has_lone_cr(report.source));
        if self.color || !no_lone_cr() {
            return None;
        }
        let index = self.config.file(report.diagnostic.file).line_index();
        plain::render(out, report, index)
    }

    fn render_with_miette(
        &self,
        out: &mut String,
        report: &Report,
        facts: &FileFacts,
    ) -> fmt::Result {
        let miette_report = MietteReport {
            report,
            source: NamedBytes {
                name: report.name,
                bytes: report.source,
                line_starts: facts.line_starts.get_or_init(|| line_starts(report.source)),
            },
        };
        self.handler.render_report(out, &miette_report)
    }
}

pub fn print(
    out: &mut dyn Write,
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
    color: bool,
) -> io::Result<()> {
    let renderer = Renderer::new(config, diagnostics, color);
    // miette takes about 20 µs a report, so threads pay off for many
    // reports in colour (a many-file run has thousands). `plain` takes about
    // 3 µs, and one thread writing through one buffer beats two threads
    // (10 MB config, 945 reports: 3.2 ms against 4.1 on one core, 4.3 on
    // two).
    if color && diagnostics.len() >= 64 {
        return print_in_parallel(out, &renderer, diagnostics);
    }
    // Reports go out in batches of 64 KiB: through the caller's 8 KiB
    // buffer alone, a write call every few reports. Room for a batch and
    // the report that ends it, so the buffer is not grown on the way.
    let mut text = String::with_capacity((1 << 16) + (16 << 10));
    for d in diagnostics {
        renderer.render(&mut text, d).map_err(io::Error::other)?;
        text.push('\n');
        if text.len() >= 1 << 16 {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
    }
    out.write_all(text.as_bytes())
}

/// Renders each report on its own thread-pool task, and writes them in
/// order.
fn print_in_parallel(
    out: &mut dyn Write,
    renderer: &Renderer,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let rendered: Vec<Result<String, fmt::Error>> = diagnostics
        .par_iter()
        .map(|d| {
            let mut text = String::new();
            renderer.render(&mut text, d).map(|_| text)
        })
        .collect();
    for text in rendered {
        out.write_all(text.map_err(io::Error::other)?.as_bytes())?;
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
                name: "f",
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
