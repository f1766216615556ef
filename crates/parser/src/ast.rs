//! The syntax tree: directives, arguments, blocks and comments, each with the
//! byte span it was read from.
//!
//! The tree is lossless in the sense that matters for fixes: every node knows
//! the exact bytes it came from, and the bytes between nodes are only
//! whitespace (SP, HT, CR, LF). Values are stored only where they differ from
//! the source text (escapes, invalid UTF-8); read them with
//! [`crate::SourceFile::value`].

use crate::span::Span;

/// How an argument was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quote {
    None,
    Single,
    Double,
}

/// The longest word a [`Word`] can hold, in bytes (2^29 - 1): files are
/// no longer than this ([`crate::MAX_FILE_SIZE`]).
pub const MAX_WORD_LEN: usize = (1 << 29) - 1;

/// One word of a directive: its name or an argument.
///
/// 8 bytes (a large configuration has millions of words): its start, and
/// its length packed with how it was quoted and whether its value is kept
/// apart. Read with [`Word::span`], [`Word::quote`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Word {
    start: u32,
    /// Bits 0-28 the length, 29-30 the [`Quote`], 31 `unescaped`.
    packed: u32,
}

const LEN_MASK: u32 = MAX_WORD_LEN as u32;
const QUOTE_SHIFT: u32 = 29;
/// Whether the value differs from the text between the quotes (escapes)
/// or that text is not valid UTF-8; the value is then kept in the file's
/// table of such words (rare: a flag keeps `Word` small).
const UNESCAPED: u32 = 1 << 31;

impl Word {
    /// A word over `span`; its length must be at most [`MAX_WORD_LEN`]
    /// (a file's spans are, by [`crate::MAX_FILE_SIZE`]).
    #[inline]
    pub(crate) fn new(span: Span, quote: Quote, unescaped: bool) -> Word {
        let len = (span.end - span.start).min(LEN_MASK);
        let quote = match quote {
            Quote::None => 0,
            Quote::Single => 1,
            Quote::Double => 2,
        };
        Word {
            start: span.start,
            packed: len | quote << QUOTE_SHIFT | if unescaped { UNESCAPED } else { 0 },
        }
    }

    /// The raw text, including the quotes of a quoted word. (Its line is
    /// the file's to tell: `SourceFile::line_of`.)
    #[inline]
    pub fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.start + (self.packed & LEN_MASK),
        }
    }

    /// How the word was written.
    #[inline]
    pub fn quote(&self) -> Quote {
        match (self.packed >> QUOTE_SHIFT) & 3 {
            0 => Quote::None,
            1 => Quote::Single,
            _ => Quote::Double,
        }
    }

    /// Whether the value is kept in the file's table of unescaped words.
    #[inline]
    pub(crate) fn unescaped(&self) -> bool {
        self.packed & UNESCAPED != 0
    }

    /// The span of the text between the quotes (the whole span if unquoted).
    #[inline]
    pub fn inner_span(&self) -> Span {
        let span = self.span();
        match self.quote() {
            Quote::None => span,
            Quote::Single | Quote::Double => Span {
                start: span.start + 1,
                end: span.end.saturating_sub(1).max(span.start + 1),
            },
        }
    }

    pub fn is_quoted(&self) -> bool {
        self.quote() != Quote::None
    }
}

impl std::fmt::Debug for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Word")
            .field("span", &self.span())
            .field("quote", &self.quote())
            .field("unescaped", &self.unescaped())
            .finish()
    }
}

/// The stored value of `word` in a file's table of words whose value is
/// not their text (sorted by start), if it is one of them.
#[inline]
pub(crate) fn unescaped_value<'t>(table: &'t [(u32, Box<str>)], word: &Word) -> Option<&'t str> {
    if !word.unescaped() {
        return None;
    }
    table
        .binary_search_by_key(&word.span().start, |(start, _)| *start)
        .ok()
        .map(|i| &*table[i].1)
}

/// A `#` comment, from the `#` up to (not including) the end of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub line: u32,
}

/// What the body of a block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// Ordinary directives (`http`, `server`, `location`, `if`, ...).
    Directives,
    /// Key/value lines read by a custom handler (`map`, `types`, `geo`,
    /// `split_clients`, `charset_map`): each line is stored as a directive
    /// whose name is the key, but a nested `{` is an error, as in nginx.
    Values,
    /// An OpenResty `*_by_lua_block` body, kept opaque.
    Lua,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// The `{`.
    pub open: Span,
    /// The matching `}`; `None` when the file ended first.
    pub close: Option<Span>,
    /// For [`BlockKind::Lua`], the bytes between the braces; otherwise the
    /// span between the braces as well (handy for insertions).
    pub body: Span,
    /// The block's items: a range of the file's node list, read with
    /// [`crate::SourceFile::block_items`] (empty for a Lua body).
    pub items: NodeRange,
}

/// A block's items: a range of the file's node list. One list per file
/// (every block's items one after the other) keeps parsing free of two
/// memory allocations per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeRange {
    pub start: u32,
    pub len: u32,
}

impl NodeRange {
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// A directive's block: an index into the file's block list, read with
/// [`crate::SourceFile::block`]. (Non-zero, so that `Option<BlockRef>`
/// takes 4 bytes.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRef(std::num::NonZeroU32);

impl BlockRef {
    pub(crate) fn new(index: usize) -> BlockRef {
        BlockRef(std::num::NonZeroU32::MIN.saturating_add(index as u32))
    }

    pub(crate) fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// A directive's arguments: a range of the file's word list, read with
/// [`crate::SourceFile::args`]. One list per file keeps parsing free of a
/// memory allocation per directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WordRange {
    pub start: u32,
    pub len: u32,
}

impl WordRange {
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    pub fn len(self) -> usize {
        self.len as usize
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: Word,
    pub args: WordRange,
    /// Its block, if it has one: read with [`crate::SourceFile::block`]
    /// and [`crate::SourceFile::children`].
    pub block: Option<BlockRef>,
    /// From the first byte of the name to the `;` or `}` that ends the
    /// directive, inclusive.
    pub span: Span,
    /// `false` when the directive was cut off by an error (a `}` or the end
    /// of the file where `;` was expected).
    pub terminated: bool,
    // Comments written between the name and the terminator are kept by the
    // file: `SourceFile::comments_in`.
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Directive(Directive),
    Comment(Comment),
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Directive(d) => d.span,
            Node::Comment(c) => c.span,
        }
    }

    pub fn as_directive(&self) -> Option<&Directive> {
        match self {
            Node::Directive(d) => Some(d),
            Node::Comment(_) => None,
        }
    }
}

/// Directives whose blocks hold key/value lines instead of directives
/// (`cf->handler` is set in nginx, so a `{` inside is `unexpected "{"`).
pub fn is_values_block(name: &str) -> bool {
    matches!(
        name,
        "map" | "types" | "geo" | "split_clients" | "charset_map"
    )
}

/// OpenResty's Lua block directives, whose bodies are Lua code.
pub fn is_lua_block(name: &str) -> bool {
    name.ends_with("_by_lua_block")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_takes_eight_bytes_and_a_node_thirty_two() {
        assert_eq!(std::mem::size_of::<Word>(), 8);
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    #[test]
    fn a_word_gives_back_its_span_quote_and_flag() {
        let max = MAX_WORD_LEN as u32;
        for (start, len) in [(0, 0), (7, 1), (u32::MAX - max, max), (123, max - 1)] {
            for quote in [Quote::None, Quote::Single, Quote::Double] {
                for unescaped in [false, true] {
                    let span = Span {
                        start,
                        end: start + len,
                    };
                    let word = Word::new(span, quote, unescaped);
                    assert_eq!(
                        (word.span(), word.quote(), word.unescaped()),
                        (span, quote, unescaped)
                    );
                }
            }
        }
    }
}
