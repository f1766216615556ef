//! Byte spans and line/column lookup.

use std::ops::Range;

/// A half-open byte range `start..end` into one file's source.
///
/// Offsets are `u32`: a configuration file larger than 512 MiB is rejected
/// before parsing (see [`crate::MAX_FILE_SIZE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// An empty span at `offset` (used for "end of file" positions).
    pub fn empty(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and column; the column counts characters (Unicode scalar
/// values of the UTF-8 decoding, one per invalid byte), as the JSON output
/// promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// [`Lines::line`] for offsets asked in ascending order (a walk of a
/// file's directives): each found by counting on from the last one rather
/// than from the nearest sampled line; an offset before the last is looked
/// up afresh.
pub struct LineCursor<'a> {
    lines: Lines<'a>,
    /// The last offset asked for (at most the source's length) and its
    /// line.
    at: u32,
    line: u32,
}

impl LineCursor<'_> {
    /// 1-based line of `offset`, as [`Lines::line`] gives it.
    pub fn line(&mut self, offset: u32) -> u32 {
        let offset = offset.min(self.lines.source.len() as u32);
        if offset < self.at {
            self.line = self.lines.line(offset);
        } else {
            self.line += count_lfs(&self.lines.source[self.at as usize..offset as usize]);
        }
        self.at = offset;
        self.line
    }
}

/// How many lines apart the sampled line starts of a [`LineIndex`] are.
pub const LINE_SAMPLE: u32 = 64;

/// Where every [`LINE_SAMPLE`]th line of a file starts (lines 1, 65, 129,
/// ...), and how many lines it has: enough to find any offset's line by
/// counting the line breaks between it and the sampled start before it (at
/// most 63 lines). A start for every line took 4 bytes per line (0.13 MB
/// per MB of configuration) and a second read of the file to find them;
/// the lexer notes these as it counts lines. Read with [`Lines`], which
/// pairs it with the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    sampled: Vec<u32>,
    line_count: u32,
}

impl LineIndex {
    /// The index of `source`, found by reading it.
    pub fn new(source: &[u8]) -> LineIndex {
        let mut sampler = LineSampler::new();
        sampler.lfs_in(source, 0, source.len());
        sampler.finish()
    }
}

/// Builds a [`LineIndex`] from the line breaks of a file, counted in file
/// order.
#[derive(Debug)]
pub(crate) struct LineSampler {
    sampled: Vec<u32>,
    /// The lines so far: 1 + the line breaks counted.
    line: u32,
}

impl LineSampler {
    pub(crate) fn new() -> LineSampler {
        LineSampler {
            sampled: vec![0],
            line: 1,
        }
    }

    pub(crate) fn line(&self) -> u32 {
        self.line
    }

    /// Counts the line break at `at`.
    #[inline(always)]
    pub(crate) fn lf(&mut self, at: usize) {
        self.line += 1;
        if self.line % LINE_SAMPLE == 1 {
            self.sampled.push(at as u32 + 1);
        }
    }

    /// Counts the line breaks in `source[from..to]`.
    pub(crate) fn lfs_in(&mut self, source: &[u8], from: usize, to: usize) {
        let text = &source[from..to];
        let n = count_lfs(text);
        // A sampled line starts in the range: find where, line by line.
        if (self.line - 1) / LINE_SAMPLE != (self.line - 1 + n) / LINE_SAMPLE {
            for i in memchr::memchr_iter(b'\n', text) {
                self.lf(from + i);
            }
        } else {
            self.line += n;
        }
    }

    pub(crate) fn finish(mut self) -> LineIndex {
        self.sampled.shrink_to_fit();
        LineIndex {
            sampled: self.sampled,
            line_count: self.line,
        }
    }
}

fn count_lfs(bytes: &[u8]) -> u32 {
    // Most spans are a directive or two apart (the cursor's), shorter than
    // `memchr`'s set-up is worth.
    if bytes.len() < 64 {
        return bytes.iter().filter(|&&b| b == b'\n').count() as u32;
    }
    memchr::memchr_iter(b'\n', bytes).count() as u32
}

/// Where the `n`th LF (from 0) of `text` is. Whole blocks are counted and
/// skipped (one vectorised count each), then the LFs of the block that
/// holds it are found one by one: up to 63 searches from a sampled line
/// cost more in set-up than in scanning.
fn nth_lf(text: &[u8], n: usize) -> Option<usize> {
    const BLOCK: usize = 256;
    let (mut at, mut left) = (0, n);
    while text.len() - at > BLOCK {
        let count = count_lfs(&text[at..at + BLOCK]) as usize;
        if count > left {
            break;
        }
        left -= count;
        at += BLOCK;
    }
    memchr::memchr_iter(b'\n', &text[at..])
        .nth(left)
        .map(|i| at + i)
}

/// A file's [`LineIndex`] with its text: offset → line/column lookups.
#[derive(Debug, Clone, Copy)]
pub struct Lines<'a> {
    index: &'a LineIndex,
    source: &'a [u8],
}

impl<'a> Lines<'a> {
    /// `index` must be the index of `source`.
    pub fn new(index: &'a LineIndex, source: &'a [u8]) -> Lines<'a> {
        Lines { index, source }
    }

    /// The sampled line start at or before `offset`, and its line.
    fn sample_before(&self, offset: u32) -> (u32, u32) {
        let k = self
            .index
            .sampled
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.index.sampled.get(k).copied().unwrap_or(0);
        (start, k as u32 * LINE_SAMPLE + 1)
    }

    /// 1-based line of `offset`. Like nginx, a line ends *after* its LF, so an
    /// offset at the very end of a file that ends with LF is on the next line.
    pub fn line(&self, offset: u32) -> u32 {
        let offset = offset.min(self.source.len() as u32);
        let (start, line) = self.sample_before(offset);
        line + count_lfs(&self.source[start as usize..offset as usize])
    }

    /// A cursor for lines of offsets asked in ascending order.
    pub fn cursor(&self) -> LineCursor<'a> {
        LineCursor {
            lines: *self,
            at: 0,
            line: 1,
        }
    }

    /// Where 1-based `line` starts (the last line's start for a line past
    /// the end).
    pub fn line_start(&self, line: u32) -> u32 {
        let line = line.clamp(1, self.index.line_count);
        let k = ((line - 1) / LINE_SAMPLE) as usize;
        let start = self.index.sampled.get(k).copied().unwrap_or(0);
        let breaks = ((line - 1) % LINE_SAMPLE) as usize;
        if breaks == 0 {
            return start;
        }
        let text = &self.source[start as usize..];
        nth_lf(text, breaks - 1).map_or(self.source.len() as u32, |i| start + i as u32 + 1)
    }

    /// The line breaks in `from..to` (none when the range is empty or
    /// outside the text).
    pub fn line_breaks(&self, from: usize, to: usize) -> usize {
        let to = to.min(self.source.len());
        self.source
            .get(from..to)
            .map_or(0, |text| count_lfs(text) as usize)
    }

    pub fn line_count(&self) -> usize {
        self.index.line_count as usize
    }

    /// Line and character column of `offset`.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let end = (offset as usize).min(self.source.len());
        let (sampled, line) = self.sample_before(end as u32);
        let text = &self.source[sampled as usize..end];
        let line = line + count_lfs(text);
        let start = memchr::memrchr(b'\n', text).map_or(0, |i| i + 1);
        let column = count_chars(&text[start..]) as u32 + 1;
        LineCol { line, column }
    }
}

/// Number of characters in `bytes` read as UTF-8, counting each invalid byte
/// as one character (what a lossy decoding would show).
pub fn count_chars(bytes: &[u8]) -> usize {
    // Every byte that is not a UTF-8 continuation byte starts a character;
    // a stray continuation byte is an invalid byte and counts on its own.
    let mut count = 0;
    let mut chunks = bytes.utf8_chunks();
    for chunk in &mut chunks {
        count += chunk.valid().chars().count() + chunk.invalid().len();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines the lexer counts while reading a file (a comment's line,
    /// which suppressions and markers compare with a directive's from the
    /// line index) are those of the line index, whatever the file holds:
    /// quoted and escaped line breaks, comments, Lua bodies, skipped deep
    /// blocks, errors, CRLF.
    #[test]
    fn the_lexers_line_count_is_the_line_index() {
        let deep = format!("{}x;{}\n", "a {\n".repeat(120), "}\n".repeat(120));
        let texts: Vec<String> = vec![
            String::new(),
            "\n\n".into(),
            "a;\r\nb { c; }\r\n# comment\r\n".into(),
            "a \"multi\nline\n\";\nb 'x\\\ny';\n".into(),
            "content_by_lua_block {\n  local x = \"}\"\n  -- }\n}\nafter;\n".into(),
            "unterminated \"quote\n\nnever closed".into(),
            "a {\n b;\n".into(),
            "}\n}\nx".into(),
            format!("long {};\nnext;\n", "w".repeat(5000)),
            format!("# {}\nnext;\n", "c".repeat(5000)),
            deep,
        ];
        let mut files: Vec<(String, Vec<u8>)> = texts
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("case {i}"), (t + "\n# tail\n").into_bytes()))
            .collect();
        let (paths, with_corpus) = crate::test_files::fixture_and_corpus_files();
        let minimum = if with_corpus { 250 } else { 50 };
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                files.push((path.display().to_string(), bytes));
            }
        }
        assert!(files.len() >= minimum, "{} files", files.len());
        let mut comments_seen = 0;
        for (name, bytes) in files {
            for mode in [crate::ParseMode::Directives, crate::ParseMode::Values] {
                let file = crate::SourceFile::parse_with_mode("t.conf", bytes.clone(), mode);
                let mut stack = vec![file.items()];
                while let Some(items) = stack.pop() {
                    for node in items {
                        let comments = match node {
                            crate::Node::Comment(c) => std::slice::from_ref(c),
                            crate::Node::Directive(d) => {
                                stack.push(file.children(d));
                                file.comments_in(d)
                            }
                        };
                        for c in comments {
                            let line = file.line_index().line(c.span.start);
                            assert_eq!(c.line, line, "{name} ({mode:?}) at {}", c.span.start);
                            comments_seen += 1;
                        }
                    }
                }
                // The sampled line starts the lexer noted are those a
                // plain read finds.
                assert_eq!(
                    file.line_index,
                    LineIndex::new(file.source()),
                    "{name} ({mode:?})"
                );
            }
        }
        assert!(comments_seen > 100, "{comments_seen} comments");
    }

    /// Every line start of `src`, found the plain way.
    fn every_line_start(src: &[u8]) -> Vec<u32> {
        let mut starts = vec![0];
        starts.extend(
            src.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        starts
    }

    #[test]
    fn lookups_agree_with_every_line_start_around_the_samples() {
        let long_line = format!("{}\n", "x".repeat(300));
        let texts: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\n".to_vec(),
            b"no line break".to_vec(),
            "a;\n".repeat(63).into_bytes(),
            "a;\n".repeat(64).into_bytes(),
            "a;\n".repeat(65).into_bytes(),
            "a;\r\n".repeat(200).into_bytes(),
            format!("{}tail", "\n".repeat(130)).into_bytes(),
            (0..300)
                .map(|i| {
                    if i % 7 == 0 {
                        long_line.clone()
                    } else {
                        "é;\n".into()
                    }
                })
                .collect::<String>()
                .into_bytes(),
        ];
        for src in &texts {
            let index = LineIndex::new(src);
            let lines = Lines::new(&index, src);
            let starts = every_line_start(src);
            assert_eq!(lines.line_count(), starts.len());
            let len = src.len() as u32;
            let mut cursor = lines.cursor();
            for offset in 0..=len + 2 {
                let line = starts.partition_point(|&s| s <= offset) as u32;
                assert_eq!(
                    lines.line(offset),
                    line,
                    "offset {offset} of {} bytes",
                    src.len()
                );
                assert_eq!(cursor.line(offset), line, "cursor at {offset}");
                let start = starts[line as usize - 1] as usize;
                let end = (offset as usize).min(src.len());
                let column = count_chars(&src[start..end]) as u32 + 1;
                assert_eq!(lines.line_col(offset), LineCol { line, column }, "{offset}");
            }
            for line in 1..=starts.len() as u32 + 2 {
                let expected = starts[(line as usize - 1).min(starts.len() - 1)];
                assert_eq!(lines.line_start(line), expected, "line {line}");
            }
        }
    }

    #[test]
    fn the_nth_line_break_is_found_across_blocks() {
        // Line lengths that put line breaks on, before and after the
        // 256-byte block edges, dense and sparse.
        for len in [1, 2, 3, 40, 255, 256, 257, 511, 600] {
            let text: Vec<u8> = (0..3000)
                .map(|i| if i % len == len - 1 { b'\n' } else { b'x' })
                .collect();
            let breaks: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'\n').collect();
            for n in 0..breaks.len() + 2 {
                assert_eq!(
                    nth_lf(&text, n),
                    breaks.get(n).copied(),
                    "every {len}th, n {n}"
                );
            }
        }
    }

    #[test]
    fn the_lexer_samples_where_a_plain_read_does() {
        // Line breaks the lexer counts one by one, in bulk (quoted, in
        // comments, Lua bodies) and after it stops (an error).
        let texts = [
            format!("{}x;\n", "a;\n".repeat(200)),
            format!("a \"{}\";\nb;\n", "q\n".repeat(150)),
            format!("# {}\n{}", "c".repeat(10), "#\n".repeat(130)),
            format!("content_by_lua_block {{\n{}}}\nz;\n", "-- l\n".repeat(140)),
            format!("a {{\n{}}}}}\n{}", "b;\n".repeat(70), "rest\n".repeat(100)),
        ];
        for text in texts {
            for mode in [crate::ParseMode::Directives, crate::ParseMode::Values] {
                let file =
                    crate::SourceFile::parse_with_mode("t.conf", text.clone().into_bytes(), mode);
                assert_eq!(file.line_index, LineIndex::new(text.as_bytes()), "{text:?}");
            }
        }
    }

    #[test]
    fn lines_follow_nginx_counting() {
        let src = b"a\nbb\r\n\nc";
        let idx = LineIndex::new(src);
        let idx = Lines::new(&idx, src);
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(1), 1); // the LF itself
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(7), 4);
        assert_eq!(idx.line(8), 4); // EOF without final LF stays on the last line
        let src = b"x\n";
        let idx = LineIndex::new(src);
        assert_eq!(Lines::new(&idx, src).line(2), 2); // EOF after a final LF is on the next line
    }

    #[test]
    fn a_cursor_gives_the_index_lines_in_any_order() {
        let src = b"a\nbb\r\n\nc\n\n\nlast";
        let idx = LineIndex::new(src);
        let idx = Lines::new(&idx, src);
        let offsets: Vec<u32> = (0..=src.len() as u32).collect();
        let mut cursor = idx.cursor();
        for &o in &offsets {
            assert_eq!(cursor.line(o), idx.line(o), "ascending, offset {o}");
        }
        // Backwards (a parent after its children) and jumps.
        let mut cursor = idx.cursor();
        for &o in [9, 2, 2, 14, 0, 7, 8].iter() {
            assert_eq!(cursor.line(o), idx.line(o), "offset {o}");
        }
    }

    #[test]
    fn columns_count_characters() {
        let src = "é = 1;\nünï x".as_bytes();
        let idx = LineIndex::new(src);
        let x = src.iter().rposition(|&b| b == b'x').unwrap() as u32;
        assert_eq!(
            Lines::new(&idx, src).line_col(x),
            LineCol { line: 2, column: 5 }
        );
        let bad = b"\xff\xfeab";
        let idx = LineIndex::new(bad);
        assert_eq!(Lines::new(&idx, bad).line_col(3).column, 4);
    }
}
