//! Builds the syntax tree from the lexer's statements, like `ngx_conf_parse`,
//! with an explicit stack so that no input can overflow the call stack.

use crate::ast::{
    is_lua_block, is_values_block, Block, BlockKind, Comment, Directive, Node, Word, WordRange,
};
use crate::error::SyntaxError;
use crate::lexer::{End, LexedComment, Lexer};
use crate::lua;
use crate::span::Span;

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
    /// The block directive being read (`None` for the file level and for a
    /// nameless `{`, whose items are given back to the parent).
    header: Option<Header>,
    kind: BlockKind,
    open: usize,
    items: Vec<Node>,
}

struct Header {
    name: Word,
    args: WordRange,
    comments: Box<[Comment]>,
}

/// The parsed file: its top-level nodes, every argument word, its errors.
pub(crate) struct Parsed {
    pub items: Vec<Node>,
    pub words: Vec<Word>,
    pub errors: Vec<SyntaxError>,
}

pub(crate) fn parse(src: &[u8], mode: ParseMode) -> Parsed {
    let mut lexer = Lexer::new(src);
    let root_kind = match mode {
        ParseMode::Directives => BlockKind::Directives,
        ParseMode::Values => BlockKind::Values,
    };
    let mut stack = vec![Frame {
        header: None,
        kind: root_kind,
        open: 0,
        items: Vec::new(),
    }];
    let mut words: Vec<Word> = Vec::with_capacity(8);
    // Every argument of the file, in order; directives keep ranges of it.
    let mut arena: Vec<Word> = Vec::with_capacity(src.len() / 16);
    let mut comments: Vec<LexedComment> = Vec::new();

    loop {
        words.clear();
        comments.clear();
        let end = lexer.read_statement(&mut words, &mut comments);
        let frame = stack.last_mut().expect("the file frame is never popped");
        let mut inner_comments = Vec::new();
        for c in comments.drain(..) {
            if c.inside {
                inner_comments.push(c.comment);
            } else {
                frame.items.push(Node::Comment(c.comment));
            }
        }
        match end {
            End::Semicolon(at) => {
                let directive =
                    simple_directive(&mut words, &mut arena, inner_comments, at + 1, true);
                frame.items.extend(directive.map(Node::Directive));
            }
            End::BlockStart(at) => {
                if frame.kind == BlockKind::Values && !words.is_empty() {
                    let line = lexer.line();
                    lexer.error("unexpected \"{\"".into(), Span::new(at, at + 1), line);
                }
                let header = match take_header(&mut words, &mut arena, inner_comments) {
                    Some(h) if is_lua_block(value(src, &h.name)) => {
                        let directive = read_lua_block(src, &mut lexer, h, at);
                        stack
                            .last_mut()
                            .expect("frame")
                            .items
                            .push(Node::Directive(directive));
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
                    skip_block(&mut lexer);
                    continue;
                }
                let kind = match &header {
                    Some(h) if is_values_block(value(src, &h.name)) => BlockKind::Values,
                    _ => BlockKind::Directives,
                };
                stack.push(Frame {
                    header,
                    kind,
                    open: at,
                    items: Vec::new(),
                });
            }
            End::BlockClose(at) => {
                // `return 200 x }`: the directive is cut off by the brace.
                let had_words = !words.is_empty();
                let cut_end = last_word_end(&words);
                let cut = simple_directive(&mut words, &mut arena, inner_comments, cut_end, false);
                let frame = stack.last_mut().expect("frame");
                frame.items.extend(cut.map(Node::Directive));
                if stack.len() == 1 {
                    if !had_words {
                        let line = lexer.line();
                        lexer.error("unexpected \"}\"".into(), Span::new(at, at + 1), line);
                    }
                    continue;
                }
                let frame = stack.pop().expect("more than one frame");
                close_frame(&mut stack, frame, Some(Span::new(at, at + 1)), at);
            }
            End::Eof | End::EofPending => {
                let eof = src.len();
                if end == End::EofPending {
                    let line = lexer.line();
                    let statement = match words.last() {
                        // The recovery keeps an unclosed quoted word unquoted.
                        Some(w)
                            if !w.is_quoted()
                                && matches!(src[w.span.start as usize], b'"' | b'\'') =>
                        {
                            let quote = w.span.start as usize;
                            Some((Span::new(quote, quote + 1), "this quote is never closed"))
                        }
                        _ => words
                            .first()
                            .map(|w| (w.span, "this statement is never terminated")),
                    };
                    lexer.error_about(
                        "unexpected end of file, expecting \";\" or \"}\"".into(),
                        Span::empty(eof),
                        line,
                        statement,
                    );
                    let cut_end = last_word_end(&words);
                    let cut =
                        simple_directive(&mut words, &mut arena, inner_comments, cut_end, false);
                    stack
                        .last_mut()
                        .expect("frame")
                        .items
                        .extend(cut.map(Node::Directive));
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
                    let end = frame_end(&frame);
                    close_frame(&mut stack, frame, None, end);
                }
                let root = stack.pop().expect("file frame");
                return Parsed {
                    items: root.items,
                    words: arena,
                    errors: lexer.errors,
                };
            }
        }
    }
}

fn value<'a>(src: &'a [u8], word: &'a Word) -> &'a str {
    match &word.unescaped {
        Some(v) => v,
        None => std::str::from_utf8(&src[word.inner_span().range()]).unwrap_or(""),
    }
}

fn last_word_end(words: &[Word]) -> usize {
    words.last().map_or(0, |w| w.span.end as usize)
}

fn take_header(
    words: &mut Vec<Word>,
    arena: &mut Vec<Word>,
    comments: Vec<Comment>,
) -> Option<Header> {
    if words.is_empty() {
        return None;
    }
    let args = WordRange {
        start: arena.len() as u32,
        len: words.len() as u32 - 1,
    };
    arena.extend(words.drain(1..));
    let name = words.pop().expect("one word left");
    Some(Header {
        name,
        args,
        comments: comments.into_boxed_slice(),
    })
}

fn simple_directive(
    words: &mut Vec<Word>,
    arena: &mut Vec<Word>,
    comments: Vec<Comment>,
    end: usize,
    terminated: bool,
) -> Option<Directive> {
    let header = take_header(words, arena, comments)?;
    let start = header.name.span.start as usize;
    // A cut-off directive ends after its last word or comment.
    let end = header
        .comments
        .last()
        .map_or(end, |c| end.max(c.span.end as usize));
    Some(Directive {
        span: Span::new(start, end.max(start)),
        name: header.name,
        args: header.args,
        block: None,
        terminated,
        comments: header.comments,
    })
}

/// Where an unclosed block's content ends.
fn frame_end(frame: &Frame) -> usize {
    frame
        .items
        .last()
        .map_or(frame.open + 1, |n| n.span().end as usize)
}

/// Turns a finished frame into a block directive of its parent.
fn close_frame(stack: &mut [Frame], frame: Frame, close: Option<Span>, end: usize) {
    let parent = stack.last_mut().expect("a parent frame");
    let body_end = close.map_or(end, |c| c.start as usize);
    let Some(header) = frame.header else {
        // A nameless `{ ... }` (already reported): keep its contents.
        parent.items.extend(frame.items);
        return;
    };
    let start = header.name.span.start as usize;
    let block = Block {
        kind: frame.kind,
        open: Span::new(frame.open, frame.open + 1),
        close,
        body: Span::new(frame.open + 1, body_end.max(frame.open + 1)),
        items: frame.items,
    };
    let end = close.map_or(end, |c| c.end as usize);
    parent.items.push(Node::Directive(Directive {
        span: Span::new(start, end.max(start)),
        name: header.name,
        args: header.args,
        block: Some(Box::new(block)),
        terminated: close.is_some(),
        comments: header.comments,
    }));
}

fn read_lua_block(src: &[u8], lexer: &mut Lexer, header: Header, open: usize) -> Directive {
    let start = header.name.span.start as usize;
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
        block: Some(Box::new(Block {
            kind: BlockKind::Lua,
            open: Span::new(open, open + 1),
            close,
            body: Span::new(open + 1, body_end),
            items: Vec::new(),
        })),
        terminated: close.is_some(),
        comments: header.comments,
    }
}

/// Skips a block too deeply nested to keep, up to its matching `}`.
fn skip_block(lexer: &mut Lexer) {
    let mut depth = 1usize;
    let mut words = Vec::new();
    let mut comments = Vec::new();
    while depth > 0 {
        words.clear();
        comments.clear();
        match lexer.read_statement(&mut words, &mut comments) {
            End::BlockStart(_) => depth += 1,
            End::BlockClose(_) => depth -= 1,
            End::Semicolon(_) => {}
            End::Eof | End::EofPending => return,
        }
    }
}
