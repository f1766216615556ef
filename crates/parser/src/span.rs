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

/// [`LineIndex::line`] for offsets asked in ascending order (a walk of a
/// file's directives): each found by moving on from the last one rather
/// than by a search; an offset before the last is searched for.
pub struct LineCursor<'a> {
    starts: &'a [u32],
    /// The index of the line start at or before the last offset.
    at: usize,
}

impl LineCursor<'_> {
    /// 1-based line of `offset`, as [`LineIndex::line`] gives it.
    pub fn line(&mut self, offset: u32) -> u32 {
        if self.starts.get(self.at).is_some_and(|&s| s > offset) {
            self.at = self
                .starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1);
        }
        while self.starts.get(self.at + 1).is_some_and(|&s| s <= offset) {
            self.at += 1;
        }
        self.at as u32 + 1
    }
}

/// Start offsets of every line of a file, for offset → line/column lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(source: &[u8]) -> LineIndex {
        LineIndex::with_lines(source, source.len() / 32 + 1)
    }

    /// The index of a file of about `lines` lines: sized for them, since
    /// one grown by doubling can take twice the memory (a file's lines
    /// average some 30 bytes, about what `new` guesses).
    pub fn with_lines(source: &[u8], lines: usize) -> LineIndex {
        let mut line_starts = Vec::with_capacity(lines);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', source).map(|i| i as u32 + 1));
        LineIndex { line_starts }
    }

    /// 1-based line of `offset`. Like nginx, a line ends *after* its LF, so an
    /// offset at the very end of a file that ends with LF is on the next line.
    pub fn line(&self, offset: u32) -> u32 {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// A cursor for lines of offsets asked in ascending order.
    pub fn cursor(&self) -> LineCursor<'_> {
        LineCursor {
            starts: &self.line_starts,
            at: 0,
        }
    }

    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts[(line as usize - 1).min(self.line_starts.len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line and character column of `offset` in `source`.
    pub fn line_col(&self, source: &[u8], offset: u32) -> LineCol {
        let line = self.line(offset);
        let start = self.line_start(line) as usize;
        let end = (offset as usize).min(source.len());
        let column = count_chars(&source[start.min(end)..end]) as u32 + 1;
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
                // The index is sized by the lexer's count: exactly, when
                // the lexer read the whole file.
                let index = file.line_index();
                if file.errors.is_empty() {
                    assert_eq!(file.lines as usize, index.line_count(), "{name} ({mode:?})");
                    assert_eq!(index.line_starts.capacity(), index.line_count(), "{name}");
                }
            }
        }
        assert!(comments_seen > 100, "{comments_seen} comments");
    }

    #[test]
    fn lines_follow_nginx_counting() {
        let src = b"a\nbb\r\n\nc";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(1), 1); // the LF itself
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(7), 4);
        assert_eq!(idx.line(8), 4); // EOF without final LF stays on the last line
        let idx = LineIndex::new(b"x\n");
        assert_eq!(idx.line(2), 2); // EOF after a final LF is on the next line
    }

    #[test]
    fn a_cursor_gives_the_index_lines_in_any_order() {
        let src = b"a\nbb\r\n\nc\n\n\nlast";
        let idx = LineIndex::new(src);
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
        assert_eq!(idx.line_col(src, x), LineCol { line: 2, column: 5 });
        let bad = b"\xff\xfeab";
        let idx = LineIndex::new(bad);
        assert_eq!(idx.line_col(bad, 3).column, 4);
    }
}
