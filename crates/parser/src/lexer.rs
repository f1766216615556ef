//! nginx's tokeniser, byte for byte.
//!
//! This mirrors `ngx_conf_read_token` (src/core/ngx_conf_file.c): one call
//! reads the words of one statement up to its terminator (`;`, `{`, `}` or
//! the end of the file). Only SP, HT, CR and LF separate words; `#` starts a
//! comment and quotes open a string only at the start of a word; a backslash
//! makes the next byte ordinary; `{` directly after `$` does not open a
//! block. nginx reads the file through a 4096-byte buffer and rejects any
//! word or comment that fills the buffer ("too long parameter"); that buffer
//! is simulated here so the same files are rejected at the same line.
//!
//! Where nginx stops at the first error, this lexer records the error and
//! recovers, so later errors are reported too.

use nom::bytes::complete::{take_till, take_while};
use nom::{IResult, Input, Needed};

use crate::ast::{Comment, Quote, Word};
use crate::error::SyntaxError;
use crate::span::{LineIndex, LineSampler, Span};

/// nginx's `NGX_CONF_BUFFER`.
const CONF_BUFFER: usize = 4096;

/// What ended a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// `;` at this offset.
    Semicolon(usize),
    /// `{` at this offset.
    BlockStart(usize),
    /// `}` at this offset.
    BlockClose(usize),
    /// End of file with no words pending.
    Eof,
    /// End of file in the middle of a statement.
    EofPending,
}

/// A comment read while collecting a statement; `inside` is true when it sat
/// between the words of a directive rather than before it.
pub(crate) struct LexedComment {
    pub comment: Comment,
    pub inside: bool,
}

pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    /// The lines counted so far, and the sampled line starts.
    lines: LineSampler,
    /// The source up to where nginx's current buffer ends (`b->last`):
    /// what can be read before the next buffer check.
    buf: &'a [u8],
    /// nginx's `start`: where the current word (or comment) began.
    tok_start: usize,
    tok_line: u32,
    /// Inside a quoted string: which quote (for the "too long" message).
    in_quote: Option<u8>,
    long_token_reported: bool,
    pub errors: Vec<SyntaxError>,
    /// The whole source is valid UTF-8, so every word (cut at ASCII bytes) is.
    pub src_is_utf8: bool,
    /// Whether a comment holds [`crate::TOOL_COMMENT_MARKER`].
    pub has_tool_comment: bool,
    /// Reused for unescaping.
    scratch: Vec<u8>,
    /// The values of the words whose value is not their text, by the
    /// word's start, in file order.
    pub unescaped: Vec<(u32, Box<str>)>,
}

/// Byte classes for the scanners: bit 1 = separates words (SP, HT, CR,
/// LF), bit 2 = interrupts an unquoted word (a separator, `;`, `{`, `\\`,
/// `$`), bit 4 = a blank (a separator other than LF, which counts lines). A
/// table lookup keeps the per-byte test to one load.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < WORD_ENDS.len() {
        t[WORD_ENDS[i] as usize] = 2;
        i += 1;
    }
    t[b' ' as usize] |= 5;
    t[b'\t' as usize] |= 5;
    t[b'\r' as usize] |= 5;
    t[b'\n' as usize] |= 1;
    t
};

/// The bytes that end an unquoted word's run: the separators, `;`, `{`,
/// `\\` and `$` (class bit 2, and the vectorised search).
const WORD_ENDS: [u8; 8] = [b' ', b'\t', b'\r', b'\n', b';', b'{', b'\\', b'$'];

#[inline]
fn is_blank(b: u8) -> bool {
    CLASS[b as usize] & 4 != 0
}

#[inline]
fn ends_word(b: u8) -> bool {
    CLASS[b as usize] & 2 != 0
}

/// The scanners' input: a byte slice whose nom `Input` methods are all
/// inlined into the lexer (nom's own impl for `&[u8]` calls `take_from`
/// out of line, once per scan).
#[derive(Clone, Copy)]
struct Bytes<'a>(&'a [u8]);

impl<'a> Input for Bytes<'a> {
    type Item = u8;
    type Iter = std::iter::Copied<std::slice::Iter<'a, u8>>;
    type IterIndices = std::iter::Enumerate<Self::Iter>;

    #[inline(always)]
    fn input_len(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn take(&self, index: usize) -> Self {
        Bytes(&self.0[..index])
    }

    #[inline(always)]
    fn take_from(&self, index: usize) -> Self {
        Bytes(&self.0[index..])
    }

    #[inline(always)]
    fn take_split(&self, index: usize) -> (Self, Self) {
        let (prefix, suffix) = self.0.split_at(index);
        (Bytes(suffix), Bytes(prefix))
    }

    /// Unrolled: runs are a few to a few dozen bytes, and testing eight
    /// bytes per loop step saves most of the loop's own instructions.
    #[inline(always)]
    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(u8) -> bool,
    {
        let mut chunks = self.0.chunks_exact(8);
        let mut offset = 0;
        for chunk in &mut chunks {
            for (i, &b) in chunk.iter().enumerate() {
                if predicate(b) {
                    return Some(offset + i);
                }
            }
            offset += 8;
        }
        let tail = chunks.remainder();
        tail.iter().position(|&b| predicate(b)).map(|i| offset + i)
    }

    #[inline(always)]
    fn iter_elements(&self) -> Self::Iter {
        self.0.iter().copied()
    }

    #[inline(always)]
    fn iter_indices(&self) -> Self::IterIndices {
        self.iter_elements().enumerate()
    }

    #[inline(always)]
    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.0.len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.0.len()))
        }
    }
}

fn blanks(input: Bytes) -> IResult<Bytes, Bytes> {
    take_while(is_blank)(input)
}

fn word_run(input: Bytes) -> IResult<Bytes, Bytes> {
    take_till(ends_word)(input)
}

/// The length of the run [`word_run`] matches at the start of `bytes`,
/// sixteen bytes a step where SSE2 is (every x86-64): a word's run ends at
/// one of eight bytes, compared all at once.
#[inline(always)]
fn word_run_len(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8, _mm_setzero_si128,
        };
        let mut at = 0;
        while bytes.len() - at >= 16 {
            // SAFETY: SSE2 is part of every x86-64 CPU (the target's
            // baseline); the 16 bytes loaded from `at` lie within `bytes`,
            // and the load takes unaligned memory.
            let mask = unsafe {
                let v = _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>());
                let ends = WORD_ENDS.iter().fold(_mm_setzero_si128(), |ends, &b| {
                    _mm_or_si128(ends, _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)))
                });
                _mm_movemask_epi8(ends)
            };
            if mask != 0 {
                return at + mask.trailing_zeros() as usize;
            }
            at += 16;
        }
        at + run_len(word_run, &bytes[at..])
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        run_len(word_run, bytes)
    }
}

fn comment_run(input: Bytes) -> IResult<Bytes, Bytes> {
    take_till(|b| b == b'\n')(input)
}

fn quoted_run(quote: u8) -> impl Fn(Bytes) -> IResult<Bytes, Bytes> {
    move |input| take_till(|b| b == quote || b == b'\\')(input)
}

/// Runs a nom scanner over `input`, returning the length it matched. The
/// scanners above accept any input (possibly matching nothing).
#[inline(always)]
fn run_len(parser: impl Fn(Bytes) -> IResult<Bytes, Bytes>, input: &[u8]) -> usize {
    parser(Bytes(input)).map_or(0, |(_, matched)| matched.0.len())
}

/// nginx's unescaping of a stored word: `\"`, `\'`, `\\` lose the backslash,
/// `\t`, `\r`, `\n` become TAB, CR, LF, any other `\x` is kept as is.
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    unescape_into(raw, &mut out);
    out
}

/// [`unescape`], appending to `out`.
fn unescape_into(raw: &[u8], out: &mut Vec<u8>) {
    let mut rest = raw;
    while let Some(i) = rest.iter().position(|&b| b == b'\\') {
        out.extend_from_slice(&rest[..i]);
        let (byte, skip) = match rest.get(i + 1) {
            Some(&b @ (b'"' | b'\'' | b'\\')) => (b, 2),
            Some(b't') => (b'\t', 2),
            Some(b'r') => (b'\r', 2),
            Some(b'n') => (b'\n', 2),
            _ => (b'\\', 1),
        };
        out.push(byte);
        rest = &rest[i + skip..];
    }
    out.extend_from_slice(rest);
}

/// Whether [`unescape`] changes `raw`: some backslash in it comes before
/// one of the bytes it unescapes. (The first such backslash is one
/// `unescape` reaches: before it, every backslash moves it on by one byte.)
fn escapes_change(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', raw).any(|i| {
        matches!(
            raw.get(i + 1),
            Some(b'"' | b'\'' | b'\\' | b't' | b'r' | b'n')
        )
    })
}

/// Shows a byte the way nginx's `%c` would print it, readable for control
/// bytes.
pub(crate) fn show_byte(b: u8) -> String {
    match b {
        0x20..=0x7e => (b as char).to_string(),
        _ => format!("\\x{b:02X}"),
    }
}

/// Where the lexer puts a statement's words.
struct Words<'w> {
    name: &'w mut Option<Word>,
    args: &'w mut Vec<Word>,
}

impl Words<'_> {
    #[inline]
    fn push(&mut self, word: Word) {
        if self.name.is_none() {
            *self.name = Some(word);
        } else {
            self.args.push(word);
        }
    }
}

enum WordEnd {
    Space,
    Semicolon(usize),
    Brace(usize),
    Eof,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8]) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            lines: LineSampler::new(),
            buf: &src[..0],
            tok_start: 0,
            tok_line: 1,
            in_quote: None,
            long_token_reported: false,
            errors: Vec::new(),
            src_is_utf8: src.is_ascii() || std::str::from_utf8(src).is_ok(),
            has_tool_comment: false,
            scratch: Vec::new(),
            unescaped: Vec::new(),
        }
    }

    #[inline(always)]
    pub fn line(&self) -> u32 {
        self.lines.line()
    }

    /// Counts the LF at `at`.
    #[inline(always)]
    fn lf(&mut self, at: usize) {
        self.lines.lf(at);
    }

    /// Counts the LFs in `from..to`.
    fn lfs_in(&mut self, from: usize, to: usize) {
        self.lines.lfs_in(self.src, from, to);
    }

    /// The file's line index: its lines counted to the end (past where the
    /// lexer stopped, if it did).
    pub fn finish_lines(&mut self) -> LineIndex {
        if self.pos < self.src.len() {
            self.lfs_in(self.pos, self.src.len());
            self.pos = self.src.len();
        }
        std::mem::replace(&mut self.lines, LineSampler::new()).finish()
    }

    /// Moves past a region read by another scanner (a Lua block body).
    pub fn skip_to(&mut self, pos: usize) {
        let pos = pos.min(self.src.len());
        if pos > self.pos {
            self.lfs_in(self.pos, pos);
            self.pos = pos;
        }
        self.tok_start = self.pos;
        self.tok_line = self.line();
        if self.pos > self.buf.len() {
            self.buf = &self.src[..self.pos];
        }
    }

    pub(crate) fn error(&mut self, message: String, span: Span, line: u32) {
        self.error_about(message, span, line, None);
    }

    pub(crate) fn error_about(
        &mut self,
        message: String,
        span: Span,
        line: u32,
        related: Option<(Span, &'static str)>,
    ) {
        // One error per offset: recovery may look at the same byte twice.
        if self
            .errors
            .last()
            .is_some_and(|e| e.span.start == span.start)
        {
            return;
        }
        self.errors.push(SyntaxError {
            message,
            span,
            line,
            related,
        });
    }

    /// nginx's check before it reads a byte: it refills its buffer when it
    /// has consumed it, and a word that fills the whole buffer is "too
    /// long". False at the end of the file. Scans run up to the end of `buf`
    /// (never beyond: `pos <= buf.len()`), so one comparison
    /// covers both the buffer and the end of the file.
    #[inline(always)]
    fn ensure(&mut self) -> bool {
        debug_assert!(self.pos <= self.buf.len());
        if self.pos == self.buf.len() {
            if self.pos == self.src.len() {
                return false;
            }
            self.refill_buffer();
        }
        true
    }

    /// The bytes that can be scanned before the next buffer check.
    #[inline(always)]
    fn window(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    #[cold]
    #[inline(never)]
    fn refill_buffer(&mut self) {
        let len = self.pos - self.tok_start;
        if len == CONF_BUFFER {
            if !self.long_token_reported {
                self.long_token_reported = true;
                let message = match self.in_quote {
                    Some(q) => format!(
                        "too long parameter, probably missing terminating \"{}\" character",
                        q as char
                    ),
                    None => format!(
                        "too long parameter \"{}...\" started",
                        String::from_utf8_lossy(&self.src[self.tok_start..self.tok_start + 10])
                    ),
                };
                self.error(message, Span::new(self.tok_start, self.pos), self.tok_line);
            }
            // Carry on as if the word had started afresh.
            self.tok_start = self.pos;
        }
        let mut last = (self.tok_start + CONF_BUFFER).min(self.src.len());
        if last <= self.pos {
            last = (self.pos + CONF_BUFFER).min(self.src.len());
        }
        self.buf = &self.src[..last];
    }

    /// Reads one byte, counting lines, after nginx's buffer check.
    #[inline(always)]
    fn take_byte(&mut self) -> Option<u8> {
        if !self.ensure() {
            return None;
        }
        let b = self.src[self.pos];
        self.pos += 1;
        if b == b'\n' {
            self.lf(self.pos - 1);
        }
        Some(b)
    }

    fn begin_token(&mut self, at: usize) {
        self.tok_start = at;
        self.tok_line = self.line();
        self.long_token_reported = false;
    }

    /// Skips whitespace in the "between words" state; false at the end of
    /// the file. Otherwise the next byte is checked and can be read.
    #[inline(always)]
    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        loop {
            if self.pos == self.buf.len() {
                // nginx sets `start` at every byte it reads between words,
                // which the buffer check uses.
                if self.pos != start {
                    self.begin_token(self.pos - 1);
                }
                if !self.ensure() {
                    return false;
                }
            }
            match self.src[self.pos] {
                b'\n' => {
                    // Usually followed by the next line's indentation.
                    self.lf(self.pos);
                    self.pos += 1;
                    self.pos += run_len(blanks, self.window());
                }
                b' ' | b'\t' | b'\r' => self.pos += run_len(blanks, self.window()),
                _ => return true,
            }
        }
    }

    /// Reads one statement: its first word into `name` (which must be
    /// `None`), the others appended to `args`, the comments met on the way
    /// into `comments`; tells what ended it.
    pub fn read_statement(
        &mut self,
        name: &mut Option<Word>,
        args: &mut Vec<Word>,
        comments: &mut Vec<LexedComment>,
    ) -> End {
        let mut words = Words { name, args };
        self.begin_token(self.pos);
        loop {
            if !self.skip_spaces() {
                return if words.name.is_none() {
                    End::Eof
                } else {
                    End::EofPending
                };
            }
            let at = self.pos;
            let ch = self.src[at];
            self.pos += 1;
            self.begin_token(at);
            match ch {
                b';' | b'{' => {
                    if words.name.is_none() {
                        self.error(
                            format!("unexpected \"{}\"", ch as char),
                            Span::new(at, at + 1),
                            self.line(),
                        );
                        if ch == b';' {
                            continue;
                        }
                        // A nameless block: the builder keeps its braces
                        // balanced.
                        return End::BlockStart(at);
                    }
                    return if ch == b'{' {
                        End::BlockStart(at)
                    } else {
                        End::Semicolon(at)
                    };
                }
                b'}' => {
                    if words.name.is_some() {
                        self.error(
                            "unexpected \"}\"".into(),
                            Span::new(at, at + 1),
                            self.line(),
                        );
                    }
                    return End::BlockClose(at);
                }
                b'#' => {
                    self.read_comment(at, words.name.is_some(), comments);
                }
                b'"' | b'\'' => {
                    if !self.read_quoted(ch, at, &mut words) {
                        return End::EofPending;
                    }
                    // After a closing quote nginx needs a separator.
                    if !self.ensure() {
                        return End::EofPending;
                    }
                    let next = self.src[self.pos];
                    match next {
                        b' ' | b'\t' | b'\r' | b'\n' => {
                            // nginx reads this separator without moving
                            // `start`, which matters for the buffer check.
                            self.take_byte();
                        }
                        b';' => {
                            self.pos += 1;
                            return End::Semicolon(self.pos - 1);
                        }
                        b'{' => {
                            self.pos += 1;
                            return End::BlockStart(self.pos - 1);
                        }
                        // `if ($a = "b")`: the `)` starts the next word.
                        b')' => {}
                        other => {
                            self.error(
                                format!("unexpected \"{}\"", show_byte(other)),
                                Span::new(self.pos, self.pos + 1),
                                self.line(),
                            );
                            // Recover by reading it as the start of a word.
                        }
                    }
                }
                _ => match self.read_word(at, ch, &mut words) {
                    WordEnd::Space => {}
                    WordEnd::Semicolon(p) => return End::Semicolon(p),
                    WordEnd::Brace(p) => return End::BlockStart(p),
                    WordEnd::Eof => return End::EofPending,
                },
            }
        }
    }

    fn read_comment(&mut self, at: usize, inside: bool, comments: &mut Vec<LexedComment>) {
        let line = self.line();
        loop {
            if !self.ensure() {
                break; // the end of the file
            }
            self.pos += run_len(comment_run, self.window());
            if self.pos < self.buf.len() {
                break; // at the LF, left for skip_spaces
            }
        }
        let marker = crate::TOOL_COMMENT_MARKER.as_bytes();
        self.has_tool_comment = self.has_tool_comment
            || self.src[at..self.pos]
                .windows(marker.len())
                .any(|w| w == marker);
        comments.push(LexedComment {
            comment: Comment {
                span: Span::new(at, self.pos),
                line,
            },
            inside,
        });
    }

    /// Reads an unquoted word whose first byte `first` at `at` is consumed.
    fn read_word(&mut self, at: usize, first: u8, words: &mut Words) -> WordEnd {
        let mut saw_backslash = false;
        // The byte just read: ordinary, `\\` or `$` (others end the word).
        let mut b = first;
        loop {
            if !ends_word(b) {
                // An ordinary byte: nothing to do.
            } else if b == b'\\' {
                // The next byte is ordinary, whatever it is.
                saw_backslash = true;
                if self.take_byte().is_none() {
                    break;
                }
            } else {
                // `$`: a `{` right after it (`${name}`) does not open a
                // block.
                loop {
                    if !self.ensure() {
                        return self.word_at_eof(at, saw_backslash, words);
                    }
                    if self.src[self.pos] != b'{' {
                        break;
                    }
                    self.pos += 1;
                }
            }
            self.pos += word_run_len(self.window());
            let Some(next) = self.take_byte() else {
                break;
            };
            b = next;
            // `next` ends the run: a separator, `;`, `{`, `\\` or `$`.
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    self.push_word(words, at, self.pos - 1, Quote::None, saw_backslash);
                    return WordEnd::Space;
                }
                b';' => {
                    self.push_word(words, at, self.pos - 1, Quote::None, saw_backslash);
                    return WordEnd::Semicolon(self.pos - 1);
                }
                b'{' => {
                    self.push_word(words, at, self.pos - 1, Quote::None, saw_backslash);
                    return WordEnd::Brace(self.pos - 1);
                }
                _ => {}
            }
        }
        self.word_at_eof(at, saw_backslash, words)
    }

    fn word_at_eof(&mut self, at: usize, saw_backslash: bool, words: &mut Words) -> WordEnd {
        self.push_word(words, at, self.pos, Quote::None, saw_backslash);
        WordEnd::Eof
    }

    /// Reads a quoted word whose opening quote at `at` is consumed. Returns
    /// false at the end of the file.
    fn read_quoted(&mut self, quote: u8, at: usize, words: &mut Words) -> bool {
        self.tok_start = at + 1;
        self.in_quote = Some(quote);
        let mut escaped = false;
        let mut saw_backslash = false;
        let closed = loop {
            if !escaped {
                if !self.ensure() {
                    break false;
                }
                let n = run_len(quoted_run(quote), self.window());
                self.lfs_in(self.pos, self.pos + n);
                self.pos += n;
            }
            let Some(b) = self.take_byte() else {
                break false;
            };
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
                saw_backslash = true;
            } else if b == quote {
                break true;
            }
        };
        self.in_quote = None;
        let q = if quote == b'"' {
            Quote::Double
        } else {
            Quote::Single
        };
        if closed {
            self.push_word(words, at, self.pos, q, saw_backslash);
        } else {
            // Keep what was read, for recovery; the statement is cut off.
            self.push_word(words, at, self.pos, Quote::None, saw_backslash);
        }
        closed
    }

    #[inline(always)]
    fn push_word(
        &mut self,
        words: &mut Words,
        start: usize,
        end: usize,
        quote: Quote,
        saw_backslash: bool,
    ) {
        // Most words are their own value: nothing to store.
        let unescaped = (saw_backslash || !self.src_is_utf8)
            && match self.unescaped_value(start, end, quote, saw_backslash) {
                Some(value) => {
                    self.unescaped.push((start as u32, value));
                    true
                }
                None => false,
            };
        words.push(Word::new(Span::new(start, end), quote, unescaped));
    }

    /// The value of a word with escapes or in a file that is not valid
    /// UTF-8, when it differs from the text between the quotes.
    #[cold]
    #[inline(never)]
    fn unescaped_value(
        &mut self,
        start: usize,
        end: usize,
        quote: Quote,
        saw_backslash: bool,
    ) -> Option<Box<str>> {
        let inner = match quote {
            Quote::None => &self.src[start..end],
            _ => &self.src[start + 1..end - 1],
        };
        // Most backslashes in configurations escape nothing nginx unescapes
        // (`\.` in a regex): such a word is its own value, like one without.
        if saw_backslash && escapes_change(inner) {
            let mut value = std::mem::take(&mut self.scratch);
            value.clear();
            unescape_into(inner, &mut value);
            // Escapes only drop or replace ASCII bytes, so the value is
            // valid UTF-8 where the text was.
            let boxed = match std::str::from_utf8(&value) {
                Ok(text) => Box::from(text),
                Err(_) => String::from_utf8_lossy(&value).into(),
            };
            self.scratch = value;
            Some(boxed)
        } else {
            match std::str::from_utf8(inner) {
                Ok(_) => None,
                Err(_) => Some(String::from_utf8_lossy(inner).into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sixteen-byte search finds the same end as the byte-by-byte one,
    /// for every byte value at every place, in runs shorter and longer than
    /// a step.
    #[test]
    fn a_words_run_ends_where_the_byte_by_byte_scan_says() {
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 47] {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(
                        word_run_len(&bytes),
                        run_len(word_run, &bytes),
                        "byte {b:#04x} at {at} of {len}"
                    );
                }
            }
            assert_eq!(word_run_len(&vec![b'a'; len]), len);
        }
    }

    /// A word whose escapes change nothing is stored as its own value: the
    /// shortcut agrees with unescaping itself on every text of up to five
    /// bytes drawn from the bytes that matter.
    #[test]
    fn escapes_change_exactly_when_unescaping_does() {
        let alphabet = b"\\\"'trnx";
        // Every text of each length, one length at a time.
        let mut of_length: Vec<Vec<u8>> = vec![Vec::new()];
        let mut texts = of_length.clone();
        for _ in 0..5 {
            of_length = of_length
                .iter()
                .flat_map(|t| alphabet.iter().map(move |&b| [t.as_slice(), &[b]].concat()))
                .collect();
            texts.extend(of_length.iter().cloned());
        }
        assert_eq!(texts.len(), (0..=5).map(|n| 7usize.pow(n)).sum::<usize>());
        for text in &texts {
            assert_eq!(
                escapes_change(text),
                unescape(text) != *text,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }
}
