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

/// One word of a directive: its name or an argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The raw text, including the quotes of a quoted word. (Its line is
    /// the file's to tell: `SourceFile::line_of`; a field would cost every
    /// word a third more memory.)
    pub span: Span,
    pub quote: Quote,
    /// Whether the value differs from the text between the quotes (escapes)
    /// or that text is not valid UTF-8; the value is then kept in the file's
    /// table of such words (rare: a flag keeps `Word` at 12 bytes).
    pub(crate) unescaped: bool,
}

impl Word {
    /// The span of the text between the quotes (the whole span if unquoted).
    #[inline]
    pub fn inner_span(&self) -> Span {
        match self.quote {
            Quote::None => self.span,
            Quote::Single | Quote::Double => Span {
                start: self.span.start + 1,
                end: self.span.end.saturating_sub(1).max(self.span.start + 1),
            },
        }
    }

    pub fn is_quoted(&self) -> bool {
        self.quote != Quote::None
    }
}

/// The stored value of `word` in a file's table of words whose value is
/// not their text (sorted by start), if it is one of them.
#[inline]
pub(crate) fn unescaped_value<'t>(table: &'t [(u32, Box<str>)], word: &Word) -> Option<&'t str> {
    if !word.unescaped {
        return None;
    }
    table
        .binary_search_by_key(&word.span.start, |(start, _)| *start)
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
    pub items: Vec<Node>,
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
    pub block: Option<Box<Block>>,
    /// From the first byte of the name to the `;` or `}` that ends the
    /// directive, inclusive.
    pub span: Span,
    /// `false` when the directive was cut off by an error (a `}` or the end
    /// of the file where `;` was expected).
    pub terminated: bool,
    // Comments written between the name and the terminator are kept by the
    // file: `SourceFile::comments_in`.
}

impl Directive {
    /// The directive's items if it has a block of directives.
    pub fn children(&self) -> &[Node] {
        match &self.block {
            Some(block) => &block.items,
            None => &[],
        }
    }
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
