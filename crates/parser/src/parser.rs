//! Builds the syntax tree from the lexer's statements, like `ngx_conf_parse`,
//! with an explicit stack so that no input can overflow the call stack.

use crate::ast::{
    Block, BlockKind, BlockRef, Comment, Directive, Node, NodeRange, Word, WordRange,
};
use crate::error::SyntaxError;
use crate::lexer::{End, LexedComment, Lexer};
use crate::lua;
use crate::span::{LineIndex, Span};

/// Blocks nested deeper than this are reported and skipped. Real
/// configurations nest a handful of levels; the limit keeps recursive
/// consumers of the tree (and its destructor) safe.
pub const MAX_DEPTH: usize = 100;

/// How the top level of a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ParseMode {
    /// Ordinary directives.
    #[default]
    Directives,
    /// Key/value lines: a file included inside `map`, `types`, `geo`, ...
    Values,
}

struct Frame {
    /// Whether the block belongs to a directive, which then sits in the
    /// node stack just before the block's items (`base - 1`) and gets its
    /// block, span and `terminated` when the block closes. The file level
    /// and a nameless `{` have none: the items of a nameless block are
    /// given back to the parent.
    named: bool,
    kind: BlockKind,
    open: usize,
    /// Where this frame's items start in the node stack: the items of every
    /// open frame sit one after the other in one list, and move to the
    /// file's node list together when the block closes.
    base: usize,
}

struct Header {
    name: Word,
    args: WordRange,
}

/// The comments written inside directives (between a directive's name and
/// its terminator: rare), kept per file rather than per directive, which
/// would cost every directive a field.
#[derive(Debug, Default)]
pub(crate) struct InnerComments {
    /// The start of the directive each comment is in (ascending).
    pub directive_starts: Vec<u32>,
    pub comments: Vec<Comment>,
    /// While parsing, the current statement's comments, not yet given to a
    /// directive (empty after each statement).
    pending: Vec<Comment>,
}

impl InnerComments {
    /// Keeps the pending comments as those of the directive starting at
    /// `start` (directives come in file order).
    fn keep(&mut self, start: u32) {
        self.directive_starts
            .extend(std::iter::repeat_n(start, self.pending.len()));
        self.comments.append(&mut self.pending);
    }

    /// The comments of the directive starting at `start`.
    pub fn of(&self, start: u32) -> &[Comment] {
        let from = self.directive_starts.partition_point(|&s| s < start);
        let to = from + self.directive_starts[from..].partition_point(|&s| s == start);
        &self.comments[from..to]
    }
}

/// The parsed file: its nodes and blocks, every argument word, its errors.
pub(crate) struct Parsed {
    /// Every block's items, each block's together (inner blocks' first),
    /// then the top level's ([`Parsed::top`]).
    pub nodes: Vec<Node>,
    pub top: NodeRange,
    /// Every block (Lua bodies too), in the order they close.
    pub block_list: Vec<Block>,
    pub words: Vec<Word>,
    pub errors: Vec<SyntaxError>,
    pub includes: Vec<IncludeAt>,
    /// The values of the words whose value is not their text, by start.
    pub unescaped: Vec<(u32, Box<str>)>,
    /// Whether the whole source is valid UTF-8 (checked before reading).
    pub is_utf8: bool,
    /// Where the file's lines start (sampled), noted while reading.
    pub line_index: LineIndex,
    /// The comments written inside directives, in file order, and the
    /// start of the directive each is in.
    pub inner_comments: InnerComments,
    /// Whether a comment holds [`crate::TOOL_COMMENT_MARKER`].
    pub has_tool_comment: bool,
}

/// An `include` with one argument (and no block), in file order: what the
/// loader follows. Noted while parsing, so loading needs no walk of the
/// tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IncludeAt {
    /// The directive's span.
    pub span: Span,
    /// Its argument: an index into [`Parsed::words`].
    pub arg: u32,
    /// How the included file is read: as the values of a `map`, `types`,
    /// ... block when the include sits in one.
    pub mode: ParseMode,
}

/// Notes `d` in `includes` if it is an `include` the loader follows.
fn note_include(includes: &mut Vec<IncludeAt>, text: Text, stack: &[Frame], d: &Directive) {
    if d.args.len != 1 || d.block.is_some() || text.plain(&d.name) != b"include" {
        return;
    }
    // The items of a nameless `{` end up in the enclosing named block (or
    // the file level), so that block says how the file is read.
    let kind = stack
        .iter()
        .rev()
        .find(|f| f.named)
        .or(stack.first())
        .map_or(BlockKind::Directives, |f| f.kind);
    includes.push(IncludeAt {
        span: d.span,
        arg: d.args.start,
        mode: match kind {
            BlockKind::Values => ParseMode::Values,
            BlockKind::Directives | BlockKind::Lua => ParseMode::Directives,
        },
    });
}

pub(crate) fn parse(src: &[u8], mode: ParseMode) -> Parsed {
    let mut lexer = Lexer::new(src);
    let root_kind = match mode {
        ParseMode::Directives => BlockKind::Directives,
        ParseMode::Values => BlockKind::Values,
    };
    let mut stack = vec![Frame {
        named: false,
        kind: root_kind,
        open: 0,
        base: 0,
    }];
    // The items of every open frame, innermost last.
    let mut nodes: Vec<Node> = Vec::with_capacity(64);
    // The file's nodes, a closed block's items at a time (a directive or
    // comment takes some 30 bytes of text), and its blocks.
    let mut tree = Tree {
        nodes: Vec::with_capacity(src.len() / 32),
        blocks: Vec::new(),
    };
    // Every argument of the file, in order; directives keep ranges of it.
    // The lexer writes each statement's arguments here directly and its
    // name to `name`.
    let mut arena: Vec<Word> = Vec::with_capacity(src.len() / 24);
    let mut comments: Vec<LexedComment> = Vec::new();
    let mut inner_comments = InnerComments::default();
    let mut includes = Vec::new();

    loop {
        let mut name = None;
        let mark = arena.len();
        // A statement's inner comments went to its directive (or, for one
        // skipped too deep, away); only a named statement has any.
        debug_assert!(inner_comments.pending.is_empty());
        let end = lexer.read_statement(&mut name, &mut arena, &mut comments);
        for c in comments.drain(..) {
            if c.inside {
                inner_comments.pending.push(c.comment);
            } else {
                nodes.push(Node::Comment(c.comment));
            }
        }
        // The statement's arguments, which the lexer put at the end of the
        // arena.
        let args = WordRange {
            start: mark as u32,
            len: (arena.len() - mark) as u32,
        };
        match end {
            End::Semicolon(at) => {
                if let Some(name) = name {
                    let directive = simple_directive(name, args, &mut inner_comments, at + 1, true);
                    note_include(&mut includes, Text::of(src, &lexer), &stack, &directive);
                    nodes.push(Node::Directive(directive));
                }
            }
            End::BlockStart(at) => {
                let frame = stack.last().expect("the file frame is never popped");
                if frame.kind == BlockKind::Values && name.is_some() {
                    let line = lexer.line();
                    lexer.error("unexpected \"{\"".into(), Span::new(at, at + 1), line);
                }
                let header = match name {
                    Some(name) if is_lua_block_name(Text::of(src, &lexer), &name) => {
                        inner_comments.keep(name.span().start);
                        let header = Header { name, args };
                        let directive = read_lua_block(src, &mut lexer, &mut tree, header, at);
                        nodes.push(Node::Directive(directive));
                        continue;
                    }
                    other => other,
                };
                if stack.len() > MAX_DEPTH {
                    let line = lexer.line();
                    lexer.error(
                        format!("blocks nested more than {MAX_DEPTH} levels deep; the inner block is skipped"),
                        Span::new(at, at + 1),
                        line,
                    );
                    skip_block(&mut lexer, &mut arena);
                    inner_comments.pending.clear();
                    continue;
                }
                let kind = match &header {
                    Some(name) if is_values_block_name(Text::of(src, &lexer), name) => {
                        BlockKind::Values
                    }
                    _ => BlockKind::Directives,
                };
                let named = header.is_some();
                if let Some(name) = header {
                    inner_comments.keep(name.span().start);
                    // Completed by close_frame.
                    nodes.push(Node::Directive(Directive {
                        span: name.span(),
                        name,
                        args,
                        block: None,
                        terminated: false,
                    }));
                }
                stack.push(Frame {
                    named,
                    kind,
                    open: at,
                    base: nodes.len(),
                });
            }
            End::BlockClose(at) => {
                // `return 200 x }`: the directive is cut off by the brace.
                let had_words = name.is_some();
                let cut_end = last_word_end(&name, &arena, mark);
                if let Some(name) = name {
                    let cut = simple_directive(name, args, &mut inner_comments, cut_end, false);
                    note_include(&mut includes, Text::of(src, &lexer), &stack, &cut);
                    nodes.push(Node::Directive(cut));
                }
                if stack.len() == 1 {
                    if !had_words {
                        let line = lexer.line();
                        lexer.error("unexpected \"}\"".into(), Span::new(at, at + 1), line);
                    }
                    continue;
                }
                let frame = stack.pop().expect("more than one frame");
                tree.close_frame(&mut nodes, frame, Some(Span::new(at, at + 1)), at);
            }
            End::Eof | End::EofPending => {
                let eof = src.len();
                if end == End::EofPending {
                    let line = lexer.line();
                    let last = if arena.len() > mark {
                        arena.last()
                    } else {
                        name.as_ref()
                    };
                    let statement = match last {
                        // The recovery keeps an unclosed quoted word unquoted.
                        Some(w)
                            if !w.is_quoted()
                                && matches!(src[w.span().start as usize], b'"' | b'\'') =>
                        {
                            let quote = w.span().start as usize;
                            Some((Span::new(quote, quote + 1), "this quote is never closed"))
                        }
                        _ => name
                            .as_ref()
                            .map(|w| (w.span(), "this statement is never terminated")),
                    };
                    lexer.error_about(
                        "unexpected end of file, expecting \";\" or \"}\"".into(),
                        Span::empty(eof),
                        line,
                        statement,
                    );
                    let cut_end = last_word_end(&name, &arena, mark);
                    if let Some(name) = name {
                        let cut = simple_directive(name, args, &mut inner_comments, cut_end, false);
                        note_include(&mut includes, Text::of(src, &lexer), &stack, &cut);
                        nodes.push(Node::Directive(cut));
                    }
                } else if stack.len() > 1 {
                    let line = lexer.line();
                    let open = stack
                        .last()
                        .map(|f| (Span::new(f.open, f.open + 1), "this block is never closed"));
                    lexer.error_about(
                        "unexpected end of file, expecting \"}\"".into(),
                        Span::empty(eof),
                        line,
                        open,
                    );
                }
                while stack.len() > 1 {
                    let frame = stack.pop().expect("more than one frame");
                    let end = frame_end(&nodes, &frame);
                    tree.close_frame(&mut nodes, frame, None, end);
                }
                let top = tree.take_items(&mut nodes, 0);
                tree.nodes.shrink_to_fit();
                tree.blocks.shrink_to_fit();
                let line_index = lexer.finish_lines();
                return Parsed {
                    nodes: tree.nodes,
                    top,
                    block_list: tree.blocks,
                    words: arena,
                    unescaped: std::mem::take(&mut lexer.unescaped),
                    errors: lexer.errors,
                    includes,
                    is_utf8: lexer.src_is_utf8,
                    line_index,
                    has_tool_comment: lexer.has_tool_comment,
                    inner_comments,
                };
            }
        }
    }
}

/// A file's text and the values of its escaped words, for reading a word's
/// value while parsing.
#[derive(Clone, Copy)]
struct Text<'a> {
    src: &'a [u8],
    unescaped: &'a [(u32, Box<str>)],
}

impl<'a> Text<'a> {
    fn of(src: &'a [u8], lexer: &'a Lexer) -> Text<'a> {
        Text {
            src,
            unescaped: &lexer.unescaped,
        }
    }

    /// The value of a word, which is what the block-kind tests below need:
    /// a name with escapes is compared by its value.
    fn plain(self, word: &Word) -> &'a [u8] {
        match crate::ast::unescaped_value(self.unescaped, word) {
            Some(v) => v.as_bytes(),
            // Invariant: without a stored value the inner text is valid
            // UTF-8.
            None => &self.src[word.inner_span().range()],
        }
    }
}

fn is_lua_block_name(text: Text, word: &Word) -> bool {
    text.plain(word).ends_with(b"_by_lua_block")
}

fn is_values_block_name(text: Text, word: &Word) -> bool {
    matches!(
        text.plain(word),
        b"map" | b"types" | b"geo" | b"split_clients" | b"charset_map"
    )
}

/// Where the words of the current statement end (0 without words).
fn last_word_end(name: &Option<Word>, arena: &[Word], mark: usize) -> usize {
    if arena.len() > mark {
        arena.last().map_or(0, |w| w.span().end as usize)
    } else {
        name.as_ref().map_or(0, |w| w.span().end as usize)
    }
}

/// A directive without a block, ended at `end` (after its `;`, or where it
/// was cut off); the statement's pending inner comments become its own in
/// the file's table.
fn simple_directive(
    name: Word,
    args: WordRange,
    inner_comments: &mut InnerComments,
    end: usize,
    terminated: bool,
) -> Directive {
    let start = name.span().start as usize;
    // A cut-off directive ends after its last word or comment.
    let end = inner_comments
        .pending
        .last()
        .map_or(end, |c| end.max(c.span.end as usize));
    inner_comments.keep(name.span().start);
    Directive {
        span: Span::new(start, end.max(start)),
        name,
        args,
        block: None,
        terminated,
    }
}

/// Where an unclosed block's content ends.
fn frame_end(nodes: &[Node], frame: &Frame) -> usize {
    nodes[frame.base..]
        .last()
        .map_or(frame.open + 1, |n| n.span().end as usize)
}

/// The file's nodes and blocks as they are completed.
struct Tree {
    nodes: Vec<Node>,
    blocks: Vec<Block>,
}

impl Tree {
    /// Moves the items from `base` on of the node stack to the file's
    /// nodes.
    fn take_items(&mut self, stack: &mut Vec<Node>, base: usize) -> NodeRange {
        let start = self.nodes.len();
        self.nodes.extend(stack.drain(base..));
        NodeRange {
            start: start as u32,
            len: (self.nodes.len() - start) as u32,
        }
    }

    /// Adds `block`, returning its reference.
    fn add_block(&mut self, block: Block) -> BlockRef {
        self.blocks.push(block);
        BlockRef::new(self.blocks.len() - 1)
    }

    /// Turns a finished frame, whose items are at the end of `stack`, into
    /// the block of its directive (a nameless frame makes none).
    fn close_frame(
        &mut self,
        stack: &mut Vec<Node>,
        frame: Frame,
        close: Option<Span>,
        end: usize,
    ) {
        if !frame.named {
            // A nameless `{ ... }` (already reported): its contents stay
            // where they are, in the parent.
            return;
        }
        let body_end = close.map_or(end, |c| c.start as usize);
        let items = self.take_items(stack, frame.base);
        let block = self.add_block(Block {
            kind: frame.kind,
            open: Span::new(frame.open, frame.open + 1),
            close,
            body: Span::new(frame.open + 1, body_end.max(frame.open + 1)),
            items,
        });
        let Some(Node::Directive(directive)) = stack.last_mut() else {
            unreachable!("a named frame follows its directive");
        };
        let start = directive.name.span().start as usize;
        let end = close.map_or(end, |c| c.end as usize);
        directive.span = Span::new(start, end.max(start));
        directive.block = Some(block);
        directive.terminated = close.is_some();
    }
}

fn read_lua_block(
    src: &[u8],
    lexer: &mut Lexer,
    tree: &mut Tree,
    header: Header,
    open: usize,
) -> Directive {
    let start = header.name.span().start as usize;
    let (close, body_end) = match lua::find_block_end(src, open + 1) {
        Some(close) => {
            lexer.skip_to(close + 1);
            (Some(Span::new(close, close + 1)), close)
        }
        None => {
            lexer.skip_to(src.len());
            let line = lexer.line();
            lexer.error_about(
                "unexpected end of file, expecting \"}\"".into(),
                Span::empty(src.len()),
                line,
                Some((Span::new(open, open + 1), "this block is never closed")),
            );
            (None, src.len())
        }
    };
    let end = close.map_or(body_end, |c| c.end as usize);
    Directive {
        span: Span::new(start, end),
        name: header.name,
        args: header.args,
        block: Some(tree.add_block(Block {
            kind: BlockKind::Lua,
            open: Span::new(open, open + 1),
            close,
            body: Span::new(open + 1, body_end),
            items: NodeRange::default(),
        })),
        terminated: close.is_some(),
    }
}

/// Skips a block too deeply nested to keep, up to its matching `}`; its
/// words are not kept.
fn skip_block(lexer: &mut Lexer, arena: &mut Vec<Word>) {
    let mut depth = 1usize;
    let mark = arena.len();
    let mut comments = Vec::new();
    while depth > 0 {
        let mut name = None;
        arena.truncate(mark);
        comments.clear();
        match lexer.read_statement(&mut name, arena, &mut comments) {
            End::BlockStart(_) => depth += 1,
            End::BlockClose(_) => depth -= 1,
            End::Semicolon(_) => {}
            End::Eof | End::EofPending => break,
        }
    }
    arena.truncate(mark);
}
