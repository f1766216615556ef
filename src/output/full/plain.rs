//! Our drawing of miette's graphical report in its no-colour theme
//! (`GraphicalReportHandler` with `unicode_nocolor`, no links, no wrapping),
//! byte for byte, for the shapes our reports take: labels on one line each,
//! printable ASCII and tabs before any tab or label on a shown line, valid
//! UTF-8, no lone CR. miette reads each span's lines anew and formats
//! through many small strings; here the parser's line index finds the lines
//! and the text goes straight into one buffer.
//!
//! Anything else answers `None` and miette draws it. Each step below follows
//! miette 7's `handlers/graphical.rs` and `source_impls.rs`, whose quirks it
//! keeps (`differential` compares the two on every report we produce).

use std::ops::Range;

use nginx_wslint_parser::Lines;
use nginx_wslint_rules::diagnostic::Severity;

use super::{Label, Report};

/// Appends the report as miette draws it, or answers `None` (with part of
/// it appended) for a shape this does not know. `index` is the parser's
/// line index of the report's file, which must have no lone CR (miette ends
/// a line there, the parser does not).
pub(super) fn render(out: &mut String, report: &Report, index: Lines) -> Option<()> {
    let d = report.diagnostic;
    // Pieces pushed, not formatted (`d.url()` and `write!` for each report
    // and line cost a tenth of a check with a hundred findings).
    for piece in [d.code.code, " ", d.code.name, " ("] {
        out.push_str(piece);
    }
    d.push_url(out);
    out.push_str(")\n\n");
    let mark = match d.code.severity {
        Severity::Error => "  × ",
        Severity::Warning => "  ⚠ ",
        Severity::Info => "  ☞ ",
    };
    push_indented(out, &report.message(), mark, "  │ ");
    if report.place.is_none() {
        let source = Source {
            bytes: report.source,
            index,
        };
        source.draw_snippets(out, report.name, &report.labels)?;
    }
    if let Some(help) = &report.help {
        push_indented(out, help, "  help: ", "        ");
    }
    Some(())
}

/// miette's `wrap` with wrapping off, and the line end after it: `first`
/// before the first line, `rest` before the others, each trimmed at the
/// end before a blank line.
fn push_indented(out: &mut String, text: &str, first: &str, rest: &str) {
    for (i, line) in text.split_terminator('\n').enumerate() {
        let indent = if i == 0 {
            first
        } else {
            out.push('\n');
            rest
        };
        if line.trim().is_empty() {
            out.push_str(indent.trim_end());
        } else {
            out.push_str(indent);
        }
        out.push_str(line);
    }
    if text.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
}

/// A file's bytes and the parser's line index of them. Lines are 0-based
/// here; miette shows them 1-based.
struct Source<'a> {
    bytes: &'a [u8],
    index: Lines<'a>,
}

/// The lines miette reads around a span (`read_span` with one line of
/// context before and after).
struct Window {
    first_line: usize,
    /// Byte range from the first line's start to the last line's end,
    /// line end included.
    bytes: Range<usize>,
    /// miette's `line() + line_count()` of the read: the first line plus
    /// the line ends it passed from the file's start. miette draws two
    /// labels in one snippet when this reaches the second one's first line.
    reach: usize,
}

/// A shown line, as miette's `get_lines` splits it.
struct Line<'a> {
    number: usize,
    offset: usize,
    /// Length with the line end.
    len: usize,
    /// The text without the line end.
    text: &'a str,
}

impl Line<'_> {
    /// miette's `span_applies`: whether a label is drawn on this line (an
    /// empty span counts as one byte long).
    fn touches(&self, span: &Range<usize>) -> bool {
        let (start, end) = (span.start, span.start + span.len().max(1));
        let line_end = self.offset + self.len;
        (start >= self.offset && start < line_end)
            || (start < self.offset && end > line_end)
            || (end > self.offset && end <= line_end)
    }

    /// miette's `span_line_only`: whether a span lies within this line.
    fn holds(&self, span: &Range<usize>) -> bool {
        span.start >= self.offset && span.end <= self.offset + self.len
    }

    /// miette's `visual_offset`: the column where `offset` is drawn.
    fn column(&self, offset: usize) -> Option<usize> {
        columns(self.text.get(..offset.checked_sub(self.offset)?)?)
    }
}

impl Source<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.index.line(offset as u32) as usize - 1
    }

    fn line_ends(&self) -> usize {
        self.index.line_count() - 1
    }

    /// Whether a line end (LF, or the CR of a CRLF) is at `at`.
    fn is_line_end(&self, at: usize) -> bool {
        match self.bytes.get(at) {
            Some(b'\n') => true,
            Some(b'\r') => self.bytes.get(at + 1) == Some(&b'\n'),
            _ => false,
        }
    }

    /// Whether miette and this module read `span` alike: within the file,
    /// on one line without its line end, not starting inside a CRLF.
    fn drawable(&self, span: &Range<usize>) -> bool {
        let Some(text) = self.bytes.get(span.clone()) else {
            return false;
        };
        let inside_crlf = span.start > 0 && self.bytes[span.start - 1] == b'\r';
        !inside_crlf && memchr::memchr2(b'\n', b'\r', text).is_none()
    }

    /// Where the line holding `offset` starts.
    fn start_of_line_at(&self, offset: usize) -> usize {
        let before = &self.bytes[..offset.min(self.bytes.len())];
        memchr::memrchr(b'\n', before).map_or(0, |i| i + 1)
    }

    /// What miette's `read_span(span, 1, 1)` reads. Only the span's line
    /// comes from the index (a lookup counts from a sampled line, up to 63
    /// lines away); the lines around it are found from the span.
    fn window(&self, span: &Range<usize>) -> Window {
        let line = self.line_of(span.start);
        let first_line = line.saturating_sub(1);
        // miette's span ends at its last byte; the next line end closes the
        // span's line, the one after that the line after it. A line end as
        // the last byte (an empty span at a line start) is not counted.
        let last_byte = span.end.saturating_sub(1);
        let last_byte_line = if last_byte >= span.start {
            line + self.index.line_breaks(span.start, last_byte)
        } else {
            self.line_of(last_byte)
        };
        let last_line = last_byte_line + usize::from(self.is_line_end(last_byte)) + 1;
        // The start of the line before the span's (of the first line when
        // the span is on it).
        let start = self.start_of_line_at(self.start_of_line_at(span.start).saturating_sub(1));
        // Line `last_byte_line + k` starts after the k-th line break from
        // `last_byte` on (the first ends the last byte's line).
        let k = last_line + 1 - last_byte_line;
        let end = self
            .bytes
            .get(last_byte..)
            .and_then(|rest| memchr::memchr_iter(b'\n', rest).nth(k - 1))
            .map_or(self.bytes.len(), |i| last_byte + i + 1);
        Window {
            first_line,
            bytes: start..end,
            reach: first_line + (last_line + 1).min(self.line_ends()),
        }
    }

    /// miette's `get_lines`: the window's lines, numbered from 1.
    fn lines(&self, window: &Window) -> Option<Vec<Line<'_>>> {
        let text = std::str::from_utf8(self.bytes.get(window.bytes.clone())?).ok()?;
        let mut offset = window.bytes.start;
        // A window is the span's lines and one on each side: most spans
        // are one line, some a block of a dozen.
        let mut lines = Vec::with_capacity(16);
        for (i, piece) in text.split_inclusive('\n').enumerate() {
            let text = match piece.strip_suffix('\n') {
                Some(line) => line.strip_suffix('\r').unwrap_or(line),
                None => piece,
            };
            lines.push(Line {
                number: window.first_line + i + 1,
                offset,
                len: piece.len(),
                text,
            });
            offset += piece.len();
        }
        Some(lines)
    }

    /// miette's `render_snippets`: labels in file order, one snippet for
    /// labels whose windows meet (as miette decides it), one per label
    /// otherwise.
    fn draw_snippets(&self, out: &mut String, name: &str, labels: &[Label]) -> Option<()> {
        if self.bytes.is_empty() {
            return None;
        }
        let mut labels: Vec<&Label> = labels.iter().collect();
        labels.sort_by_key(|l| l.span.start);
        // miette's sort is unstable: labels at one offset could come in
        // either order. And each label must be drawable on one line.
        let same_start = labels
            .windows(2)
            .any(|w| w[0].span.start == w[1].span.start);
        let drawable = labels
            .iter()
            .all(|l| self.drawable(&l.span) && !l.text.contains('\n'));
        if same_start || !drawable {
            return None;
        }
        let mut snippets: Vec<(Range<usize>, Window)> = Vec::with_capacity(labels.len());
        for label in &labels {
            let window = self.window(&label.span);
            if let Some((left, left_window)) = snippets.last_mut() {
                if left_window.reach >= window.first_line {
                    *left = left.start..left.end.max(label.span.end);
                    *left_window = self.window(left);
                    continue;
                }
            }
            snippets.push((label.span.clone(), window));
        }
        for (span, window) in &snippets {
            self.draw_snippet(out, name, span, window, &labels)?;
        }
        Some(())
    }

    /// miette's `render_context`: the box of numbered lines with every
    /// label drawn under its line.
    fn draw_snippet(
        &self,
        out: &mut String,
        name: &str,
        span: &Range<usize>,
        window: &Window,
        labels: &[&Label],
    ) -> Option<()> {
        let lines = self.lines(window)?;
        let width = digits(lines.last()?.number);
        // The place shown is the primary label's, or the first label's in
        // the snippet, as a byte column.
        let mut inside = labels
            .iter()
            .filter(|l| span.start <= l.span.start && l.span.end <= span.end);
        let place = inside
            .clone()
            .find(|l| l.primary)
            .or_else(|| inside.next())?
            .span
            .start;
        // The window starts at a line start, before `place`.
        let line = window.first_line + self.index.line_breaks(window.bytes.start, place);
        let column = place - self.start_of_line_at(place);
        pad(out, width + 2);
        out.push_str("╭─[");
        out.push_str(name);
        out.push(':');
        push_number(out, line + 1);
        out.push(':');
        push_number(out, column + 1);
        out.push_str("]\n");
        for line in &lines {
            // ` {:width$} │ `: the number right-aligned.
            out.push(' ');
            pad(out, width.saturating_sub(digits(line.number)));
            push_number(out, line.number);
            out.push_str(" │ ");
            push_line_text(out, line.text)?;
            // Most lines have no label: nothing to collect for them.
            if !labels.iter().any(|l| line.touches(&l.span)) {
                continue;
            }
            let here: Vec<&Label> = labels
                .iter()
                .copied()
                .filter(|l| line.touches(&l.span))
                .collect();
            // A label reaching past its line is drawn in the gutter.
            if here.iter().any(|l| !line.holds(&l.span)) {
                return None;
            }
            draw_labels(out, line, width, &here)?;
        }
        pad(out, width + 2);
        out.push_str("╰────\n");
        Some(())
    }
}

/// miette's `render_single_line_highlights`: a line of underlines, then
/// each label's text, the last label first, below the bars of those
/// before it.
fn draw_labels(out: &mut String, line: &Line, width: usize, labels: &[&Label]) -> Option<()> {
    let gutter = |out: &mut String| {
        pad(out, width + 1);
        out.push_str(" · ");
    };
    gutter(out);
    let mut drawn = 0;
    let mut bars = Vec::with_capacity(labels.len());
    for label in labels {
        let span = &label.span;
        let start = line.column(span.start)?.max(drawn);
        let end = if span.is_empty() {
            start + 1
        } else {
            line.column(span.end)?.max(start + 1)
        };
        let bar = (start + end) / 2;
        pad(out, start - drawn);
        repeat(out, '─', bar - start);
        out.push(if span.is_empty() { '▲' } else { '┬' });
        repeat(out, '─', end - bar - 1);
        drawn = drawn.max(end);
        bars.push(bar);
    }
    out.push('\n');
    for (i, label) in labels.iter().enumerate().rev() {
        gutter(out);
        // The bars of the labels before it, then its corner.
        let mut column = 0;
        for &bar in &bars[..i] {
            pad(out, bar.saturating_sub(column));
            out.push('│');
            column = column.max(bar) + 1;
        }
        pad(out, bars[i].saturating_sub(column));
        out.push_str("╰── ");
        out.push_str(label.text);
        out.push('\n');
    }
    Some(())
}

/// The columns miette gives `text`: a tab reaches the next multiple of 4.
/// `None` for anything but printable ASCII and tabs (Unicode widths and
/// escape sequences are left to miette).
fn columns(text: &str) -> Option<usize> {
    text.bytes().try_fold(0, |column, b| match b {
        b'\t' => Some(column + 4 - column % 4),
        b' '..=b'~' => Some(column + 1),
        _ => None,
    })
}

/// miette's `render_line_text`: the line with its tabs as spaces, and a
/// line end.
fn push_line_text(out: &mut String, text: &str) -> Option<()> {
    // A tab's width depends on the columns before it; after the last tab
    // the text is copied as it is.
    let tabbed = text.rfind('\t').map_or(0, |i| i + 1);
    let (head, tail) = text.split_at(tabbed);
    let mut column = 0;
    for b in head.bytes() {
        match b {
            b'\t' => {
                let spaces = 4 - column % 4;
                pad(out, spaces);
                column += spaces;
            }
            b' '..=b'~' => {
                out.push(char::from(b));
                column += 1;
            }
            _ => return None,
        }
    }
    out.push_str(tail);
    out.push('\n');
    Some(())
}

/// How many decimal digits `n` has.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Appends `n` in decimal.
fn push_number(out: &mut String, n: usize) {
    let mut buffer = [0u8; 20];
    let mut at = buffer.len();
    let mut rest = n;
    loop {
        at -= 1;
        buffer[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &buffer[at..] {
        out.push(char::from(digit));
    }
}

fn pad(out: &mut String, n: usize) {
    repeat(out, ' ', n);
}

/// How many characters [`SPACES`] and [`BARS`] hold.
const RUN: usize = 64;
const SPACES: &str = "                                                                ";
const BARS: &str = "────────────────────────────────────────────────────────────────";

fn repeat(out: &mut String, c: char, n: usize) {
    // Whole runs of the characters drawn most, copied at once (a run
    // pushed character by character cost a tenth of a report).
    let run = match c {
        ' ' => SPACES,
        '─' => BARS,
        _ => {
            out.extend(std::iter::repeat_n(c, n));
            return;
        }
    };
    let mut left = n;
    while left > 0 {
        let take = left.min(RUN);
        out.push_str(&run[..take * c.len_utf8()]);
        left -= take;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of any length, as character-by-character pushes make them.
    #[test]
    fn runs_are_repeated_characters() {
        assert_eq!((SPACES.chars().count(), BARS.chars().count()), (RUN, RUN));
        assert!(SPACES.chars().all(|c| c == ' ') && BARS.chars().all(|c| c == '─'));
        for c in [' ', '─', 'x'] {
            for n in [0, 1, 2, 63, 64, 65, 127, 128, 129, 300] {
                let mut out = String::from("<");
                repeat(&mut out, c, n);
                let expected: String = std::iter::once('<')
                    .chain(std::iter::repeat_n(c, n))
                    .collect();
                assert_eq!(out, expected, "{c:?} x {n}");
            }
        }
    }

    /// Numbers as `format!` writes them, padded as `{:width$}` pads them.
    #[test]
    fn numbers_are_written_and_padded_as_format_does() {
        for n in [0, 1, 9, 10, 99, 100, 101, 999, 1000, 65_535, usize::MAX] {
            let mut out = String::new();
            push_number(&mut out, n);
            assert_eq!(out, n.to_string());
            assert_eq!(digits(n), n.to_string().len(), "{n}");
            for width in 0..8usize {
                let mut padded = String::new();
                pad(&mut padded, width.saturating_sub(digits(n)));
                push_number(&mut padded, n);
                assert_eq!(padded, format!("{n:width$}"));
            }
        }
    }
}
