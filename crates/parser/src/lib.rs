//! A lossless parser for nginx configuration files that reads them exactly
//! as nginx does.
//!
//! * [`SourceFile::parse`] tokenises one file like nginx's
//!   `ngx_conf_read_token` and builds a tree of [`Directive`]s and
//!   [`Comment`]s in which every node knows its byte [`Span`] and line.
//!   Syntax errors use nginx's wording and never stop the parse.
//! * [`ConfigSet`] loads entry files and everything they `include`, resolved
//!   like nginx (relative to the prefix, sorted globs), detecting missing
//!   files and include cycles.
//! * [`payload`] renders crossplane's JSON payload.
//!
//! ```
//! use nginx_wslint_parser::SourceFile;
//!
//! let file = SourceFile::parse("site.conf", b"location /ws/ { proxy_pass http://app; }".to_vec());
//! assert!(file.errors.is_empty());
//! let location = file.items()[0].as_directive().unwrap();
//! assert_eq!(file.name(location), "location");
//! assert_eq!(file.value(&file.args(location)[0]), "/ws/");
//! let proxy_pass = file.children(location)[0].as_directive().unwrap();
//! assert_eq!(file.text(proxy_pass.span), b"proxy_pass http://app;");
//! ```

pub mod ast;
pub mod context;
pub mod dump;
mod error;
pub mod glob;
pub mod include;
mod lexer;
mod lua;
mod parser;
pub mod payload;
pub mod span;
#[cfg(test)]
mod test_files;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub use ast::{
    Block, BlockKind, BlockRef, Comment, Directive, Node, NodeRange, Quote, Word, WordRange,
};
pub use context::Context;
pub use error::SyntaxError;
pub use include::{
    ConfigSet, Entry, FileId, LoadDiagnostic, LoadDiagnosticKind, LoadOptions, PrefixId,
};
pub use lexer::unescape;
pub use parser::{ParseMode, MAX_DEPTH};
pub use span::{LineCol, LineCursor, LineIndex, Lines, Span};

/// What starts every comment addressed to nginx-wslint (suppressions, the
/// WebSocket marker): the parser notes which files have one
/// ([`SourceFile::has_tool_comment`]).
pub const TOOL_COMMENT_MARKER: &str = "nginx-wslint:";

/// Files larger than this (512 MiB) are not parsed: spans are 32-bit, and a
/// word keeps its length in 29 bits (see [`ast::Word`]).
pub const MAX_FILE_SIZE: usize = ast::MAX_WORD_LEN;

/// One parsed configuration file.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    source: Text,
    /// Every block's items and then the top level's: read with
    /// [`SourceFile::items`], [`SourceFile::children`] and
    /// [`SourceFile::block_items`].
    nodes: Vec<Node>,
    top: NodeRange,
    /// Every block, read with [`SourceFile::block`].
    block_list: Vec<Block>,
    /// Every argument word of the file; directives hold ranges of it (see
    /// [`SourceFile::args`]).
    pub words: Vec<Word>,
    /// Syntax errors in file order; the first is the one nginx reports.
    pub errors: Vec<SyntaxError>,
    pub mode: ParseMode,
    /// The `include`s the loader follows, in file order.
    pub(crate) includes: Vec<parser::IncludeAt>,
    /// Where its lines start (sampled), noted by the lexer.
    line_index: LineIndex,
    /// The values of the words whose value is not their text (escapes,
    /// invalid UTF-8), by the word's start.
    unescaped: Vec<(u32, Box<str>)>,
    has_tool_comment: bool,
    inner_comments: parser::InnerComments,
}

/// A file's bytes, kept as a `String` when they are valid UTF-8 (nearly
/// always) so that a word's value is a slice of it, not checked again.
#[derive(Debug, Clone)]
enum Text {
    Utf8(String),
    Bytes(Vec<u8>),
}

impl SourceFile {
    /// The file's bytes as read.
    #[inline]
    pub fn source(&self) -> &[u8] {
        match &self.source {
            Text::Utf8(text) => text.as_bytes(),
            Text::Bytes(bytes) => bytes,
        }
    }

    /// Parses `source` as a file of directives.
    pub fn parse(path: impl Into<PathBuf>, source: Vec<u8>) -> SourceFile {
        SourceFile::parse_with_mode(path, source, ParseMode::Directives)
    }

    pub fn parse_with_mode(
        path: impl Into<PathBuf>,
        source: Vec<u8>,
        mode: ParseMode,
    ) -> SourceFile {
        let path = path.into();
        let parser::Parsed {
            nodes,
            top,
            block_list,
            words,
            errors,
            includes,
            unescaped,
            is_utf8,
            line_index,
            has_tool_comment,
            inner_comments,
        } = if source.len() > MAX_FILE_SIZE {
            let error = SyntaxError {
                message: format!("file is larger than {MAX_FILE_SIZE} bytes and was not parsed"),
                span: Span::empty(0),
                line: 1,
                related: None,
            };
            parser::Parsed {
                nodes: Vec::new(),
                top: NodeRange::default(),
                block_list: Vec::new(),
                words: Vec::new(),
                errors: vec![error],
                includes: Vec::new(),
                unescaped: Vec::new(),
                is_utf8: false,
                line_index: LineIndex::new(&source),
                has_tool_comment: false,
                inner_comments: Default::default(),
            }
        } else {
            parser::parse(&source, mode)
        };
        let source = if is_utf8 {
            // SAFETY: the lexer found the whole source valid UTF-8.
            Text::Utf8(unsafe { String::from_utf8_unchecked(source) })
        } else {
            match String::from_utf8(source) {
                Ok(text) => Text::Utf8(text),
                Err(e) => Text::Bytes(e.into_bytes()),
            }
        };
        SourceFile {
            path,
            source,
            nodes,
            top,
            block_list,
            words,
            errors,
            mode,
            includes,
            line_index,
            unescaped,
            has_tool_comment,
            inner_comments,
        }
    }

    /// The file's top-level directives and comments.
    #[inline]
    pub fn items(&self) -> &[Node] {
        self.block_items_at(self.top)
    }

    /// The block of directive `d` of this file, if it has one.
    #[inline]
    pub fn block(&self, d: &Directive) -> Option<&Block> {
        d.block.and_then(|b| self.block_list.get(b.index()))
    }

    /// The items of directive `d`'s block (none without a block, or for a
    /// Lua body).
    #[inline]
    pub fn children(&self, d: &Directive) -> &[Node] {
        self.block(d).map_or(&[], |b| self.block_items(b))
    }

    /// The items of a block of this file.
    #[inline]
    pub fn block_items(&self, block: &Block) -> &[Node] {
        self.block_items_at(block.items)
    }

    #[inline]
    fn block_items_at(&self, items: NodeRange) -> &[Node] {
        self.nodes.get(items.range()).unwrap_or_default()
    }

    /// 1-based line of directive `d` of this file (of its name).
    pub fn line_of(&self, d: &Directive) -> u32 {
        self.line_index().line(d.span.start)
    }

    /// The comments written inside directive `d` of this file, between its
    /// name and its terminator (`proxy_pass # why\n http://a;`).
    pub fn comments_in(&self, d: &Directive) -> &[Comment] {
        self.inner_comments.of(d.span.start)
    }

    /// How many blocks of directives or values (not Lua bodies) the file
    /// has, nested ones included.
    pub fn block_count(&self) -> usize {
        self.block_list
            .iter()
            .filter(|b| b.kind != BlockKind::Lua)
            .count()
    }

    /// How many directives and comments the file has, nested ones
    /// included (comments inside directives not counted).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Whether a comment of the file holds [`TOOL_COMMENT_MARKER`]: files
    /// without one need no search for suppressions or markers.
    pub fn has_tool_comment(&self) -> bool {
        self.has_tool_comment
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw bytes of a span.
    #[inline]
    pub fn text(&self, span: Span) -> &[u8] {
        let source = self.source();
        let end = (span.end as usize).min(source.len());
        let start = (span.start as usize).min(end);
        &source[start..end]
    }

    /// The text of a span, with invalid UTF-8 replaced.
    pub fn text_lossy(&self, span: Span) -> Cow<'_, str> {
        String::from_utf8_lossy(self.text(span))
    }

    /// A word's value as nginx stores it: quotes removed, escapes resolved.
    #[inline]
    pub fn value<'a>(&'a self, word: &'a Word) -> &'a str {
        match ast::unescaped_value(&self.unescaped, word) {
            Some(v) => v,
            // Invariant: without `unescaped` the inner text is valid UTF-8
            // (and, cut at ASCII bytes, on character boundaries).
            None => match &self.source {
                Text::Utf8(text) => {
                    let span = word.inner_span();
                    text.get(span.start as usize..span.end as usize)
                        .unwrap_or_default()
                }
                Text::Bytes(_) => {
                    std::str::from_utf8(self.text(word.inner_span())).unwrap_or_default()
                }
            },
        }
    }

    /// A directive's arguments.
    #[inline]
    pub fn args(&self, directive: &Directive) -> &[Word] {
        self.words.get(directive.args.range()).unwrap_or_default()
    }

    /// A directive's argument values.
    #[inline]
    pub fn arg_values<'a>(
        &'a self,
        directive: &'a Directive,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.args(directive).iter().map(|w| self.value(w))
    }

    /// A directive's name (its first word's value).
    #[inline]
    pub fn name<'a>(&'a self, directive: &'a Directive) -> &'a str {
        self.value(&directive.name)
    }

    /// The text of a comment without its leading `#`.
    pub fn comment_text(&self, comment: &Comment) -> Cow<'_, str> {
        let text = self.text(comment.span);
        String::from_utf8_lossy(text.strip_prefix(b"#").unwrap_or(text))
    }

    /// The file's lines: offset → line lookups.
    #[inline]
    pub fn line_index(&self) -> Lines<'_> {
        Lines::new(&self.line_index, self.source())
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index().line_col(offset)
    }

    /// Every directive in the file, depth first, in file order (without
    /// following includes).
    pub fn directives(&self) -> Directives<'_> {
        Directives {
            file: self,
            stack: vec![self.items().iter()],
        }
    }
}

/// Depth-first iterator over directives, see [`SourceFile::directives`].
pub struct Directives<'a> {
    file: &'a SourceFile,
    stack: Vec<std::slice::Iter<'a, Node>>,
}

impl<'a> Iterator for Directives<'a> {
    type Item = &'a Directive;

    fn next(&mut self) -> Option<&'a Directive> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                None => {
                    self.stack.pop();
                }
                Some(Node::Comment(_)) => {}
                Some(Node::Directive(d)) => {
                    if let Some(block) = self.file.block(d) {
                        self.stack.push(self.file.block_items(block).iter());
                    }
                    return Some(d);
                }
            }
        }
    }
}
