//! Syntax errors, worded as nginx words them.

use crate::span::Span;

/// A syntax error: what nginx would say (`unexpected "}"`, `unexpected end
/// of file, expecting ";" or "}"`, ...), where, and on which line nginx would
/// report it (for "too long parameter" that is the line the word started on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub line: u32,
    /// What the error is about when that is elsewhere, with a label: the
    /// `{` of a block the file ends in, the quote that is never closed, the
    /// statement the file cuts off.
    pub related: Option<(Span, &'static str)>,
}
