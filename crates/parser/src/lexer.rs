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
use nom::IResult;

use crate::ast::{Comment, Quote, Word};
use crate::error::SyntaxError;
use crate::span::Span;

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
    line: u32,
    /// Offset where nginx's current buffer ends (`b->last`).
    buf_last: usize,
    /// nginx's `start`: where the current word (or comment) began.
    tok_start: usize,
    tok_line: u32,
    /// Inside a quoted string: which quote (for the "too long" message).
    in_quote: Option<u8>,
    long_token_reported: bool,
    pub errors: Vec<SyntaxError>,
    /// The whole source is valid UTF-8, so every word (cut at ASCII bytes) is.
    src_is_utf8: bool,
}

/// Byte classes for the scanners: bit 1 = separates words (SP, HT, CR,
/// LF), bit 2 = interrupts an unquoted word (a separator, `;`, `{`, `\\`,
/// `$`). A table lookup keeps the per-byte test to one load.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = 3;
    t[b'\t' as usize] = 3;
    t[b'\r' as usize] = 3;
    t[b'\n' as usize] = 3;
    t[b';' as usize] = 2;
    t[b'{' as usize] = 2;
    t[b'\\' as usize] = 2;
    t[b'$' as usize] = 2;
    t
};

#[inline]
fn is_space(b: u8) -> bool {
    CLASS[b as usize] & 1 != 0
}

#[inline]
fn ends_word(b: u8) -> bool {
    CLASS[b as usize] & 2 != 0
}

fn spaces(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(is_space)(input)
}

fn word_run(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(ends_word)(input)
}

fn comment_run(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(|b| b == b'\n')(input)
}

fn quoted_run(quote: u8) -> impl Fn(&[u8]) -> IResult<&[u8], &[u8]> {
    move |input| take_till(|b| b == quote || b == b'\\')(input)
}

/// Runs a nom scanner over `input`, returning the length it matched. The
/// scanners above accept any input (possibly matching nothing).
#[inline]
fn run_len(parser: impl Fn(&[u8]) -> IResult<&[u8], &[u8]>, input: &[u8]) -> usize {
    parser(input).map_or(0, |(_, matched)| matched.len())
}

fn count_lf(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u32
}

/// nginx's unescaping of a stored word: `\"`, `\'`, `\\` lose the backslash,
/// `\t`, `\r`, `\n` become TAB, CR, LF, any other `\x` is kept as is.
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            match raw[i + 1] {
                b'"' | b'\'' | b'\\' => i += 1,
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
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
            line: 1,
            buf_last: 0,
            tok_start: 0,
            tok_line: 1,
            in_quote: None,
            long_token_reported: false,
            errors: Vec::new(),
            src_is_utf8: std::str::from_utf8(src).is_ok(),
        }
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// Moves past a region read by another scanner (a Lua block body).
    pub fn skip_to(&mut self, pos: usize) {
        let pos = pos.min(self.src.len());
        if pos > self.pos {
            self.line += count_lf(&self.src[self.pos..pos]);
            self.pos = pos;
        }
        self.tok_start = self.pos;
        self.tok_line = self.line;
        self.buf_last = self.buf_last.max(self.pos);
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

    /// nginx refills its buffer when it has consumed it; a word that fills
    /// the whole buffer is "too long".
    #[inline(always)]
    fn check_buffer(&mut self) {
        if self.pos == self.buf_last && self.buf_last < self.src.len() {
            self.refill_buffer();
        }
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
        self.buf_last = (self.tok_start + CONF_BUFFER).min(self.src.len());
        if self.buf_last <= self.pos {
            self.buf_last = (self.pos + CONF_BUFFER).min(self.src.len());
        }
    }

    /// The end of the region that can be scanned without a buffer check.
    fn limit(&self) -> usize {
        self.buf_last.min(self.src.len())
    }

    /// Reads one byte, counting lines, after nginx's buffer check.
    fn take_byte(&mut self) -> Option<u8> {
        if self.pos >= self.src.len() {
            return None;
        }
        self.check_buffer();
        let b = self.src[self.pos];
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn begin_token(&mut self, at: usize) {
        self.tok_start = at;
        self.tok_line = self.line;
        self.long_token_reported = false;
    }

    /// Skips whitespace in the "between words" state.
    fn skip_spaces(&mut self) {
        loop {
            if self.pos >= self.src.len() {
                return;
            }
            self.check_buffer();
            let n = run_len(spaces, &self.src[self.pos..self.limit()]);
            if n == 0 {
                return;
            }
            self.line += count_lf(&self.src[self.pos..self.pos + n]);
            self.pos += n;
            // nginx sets `start` at every byte it reads between words.
            self.begin_token(self.pos - 1);
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
            self.skip_spaces();
            if self.pos >= self.src.len() {
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
                            self.line,
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
                        self.error("unexpected \"}\"".into(), Span::new(at, at + 1), self.line);
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
                    if self.pos >= self.src.len() {
                        return End::EofPending;
                    }
                    self.check_buffer();
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
                                self.line,
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
        let line = self.line;
        loop {
            if self.pos >= self.src.len() {
                break;
            }
            self.check_buffer();
            let n = run_len(comment_run, &self.src[self.pos..self.limit()]);
            self.pos += n;
            if self.pos < self.limit() || self.pos >= self.src.len() {
                break; // at the LF (left for skip_spaces) or the end
            }
        }
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
        let mut escaped = first == b'\\';
        let mut variable = first == b'$';
        let mut saw_backslash = escaped;
        loop {
            if !escaped && !variable {
                if self.pos < self.src.len() {
                    self.check_buffer();
                }
                let n = run_len(word_run, &self.src[self.pos..self.limit()]);
                self.pos += n;
            }
            let Some(b) = self.take_byte() else {
                self.push_word(words, at, self.pos, Quote::None, saw_backslash);
                return WordEnd::Eof;
            };
            if escaped {
                escaped = false;
                continue;
            }
            if b == b'{' && variable {
                continue;
            }
            variable = false;
            match b {
                b'\\' => {
                    escaped = true;
                    saw_backslash = true;
                }
                b'$' => variable = true,
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
                if self.pos < self.src.len() {
                    self.check_buffer();
                }
                let end = self.limit().max(self.pos);
                let n = run_len(quoted_run(quote), &self.src[self.pos..end]);
                self.line += count_lf(&self.src[self.pos..self.pos + n]);
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

    fn push_word(
        &mut self,
        words: &mut Words,
        start: usize,
        end: usize,
        quote: Quote,
        saw_backslash: bool,
    ) {
        let span = Span::new(start, end);
        let inner = match quote {
            Quote::None => &self.src[start..end],
            _ => &self.src[start + 1..end - 1],
        };
        let unescaped = if saw_backslash {
            Some(String::from_utf8_lossy(&unescape(inner)).into())
        } else if self.src_is_utf8 {
            None
        } else {
            match std::str::from_utf8(inner) {
                Ok(_) => None,
                Err(_) => Some(String::from_utf8_lossy(inner).into()),
            }
        };
        words.push(Word {
            span,
            line: self.tok_line,
            quote,
            unescaped,
        });
    }
}
