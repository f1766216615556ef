//! Suppression comments (SPEC §2):
//!
//! * `# nginx-wslint: ignore=WS006,WS008 reason...` on its own line silences
//!   those codes for the next directive (a whole block, if it is one);
//! * the same comment at the end of a directive's line (or right after a
//!   block's `{`) silences them for that directive;
//! * `# nginx-wslint: file-ignore=WS008` anywhere silences them for the
//!   whole file.
//!
//! Codes may be given by code or name. A suppression that silences nothing
//! is reported as E004 (info), like ruff's unused `noqa`.

use nginx_wslint_parser::{Comment, FileId, Node, SourceFile, Span, TOOL_COMMENT_MARKER};

use crate::diagnostic::{Code, Diagnostic, Severity};

pub const UNUSED_SUPPRESSION: Code = Code {
    code: "E004",
    name: "unused-suppression",
    severity: Severity::Info,
};

#[derive(Debug, Clone)]
pub struct Suppression {
    pub file: FileId,
    /// The comment.
    pub comment: Span,
    /// What it covers (the whole file for `file-ignore`).
    pub target: Span,
    pub codes: Vec<String>,
    pub used: bool,
}

/// Parses `ignore=A,B rest` / `file-ignore=A` after the marker.
fn parse(text: &str) -> Option<(bool, Vec<String>)> {
    let rest = text.trim().strip_prefix(TOOL_COMMENT_MARKER)?.trim_start();
    let (file_wide, list) = if let Some(list) = rest.strip_prefix("file-ignore=") {
        (true, list)
    } else {
        (false, rest.strip_prefix("ignore=")?)
    };
    let list = list.split_whitespace().next().unwrap_or("");
    let codes: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    Some((file_wide, codes))
}

/// Every suppression comment of a file.
pub fn collect(file_id: FileId, file: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !file.has_tool_comment() {
        return out;
    }
    let whole = Span::new(0, file.source().len());
    // (nodes, the block directive they are in)
    let mut stack: Vec<(&[Node], Option<&nginx_wslint_parser::Directive>)> =
        vec![(file.items(), None)];
    while let Some((items, parent)) = stack.pop() {
        for (i, node) in items.iter().enumerate() {
            match node {
                Node::Directive(d) => {
                    if let Some(b) = file.block(d) {
                        stack.push((file.block_items(b), Some(d)));
                    }
                    for c in file.comments_in(d) {
                        push(&mut out, file_id, file, c, || d.span, whole);
                    }
                }
                Node::Comment(c) => {
                    let target = || {
                        comment_target(file, items, i, c, parent)
                            .unwrap_or(Span::empty(c.span.start as usize))
                    };
                    push(&mut out, file_id, file, c, target, whole);
                }
            }
        }
    }
    out.sort_by_key(|s| s.comment.start);
    out
}

fn push(
    out: &mut Vec<Suppression>,
    file_id: FileId,
    file: &SourceFile,
    c: &Comment,
    target: impl FnOnce() -> Span,
    whole: Span,
) {
    let Some((file_wide, codes)) = parse(&file.comment_text(c)) else {
        return;
    };
    out.push(Suppression {
        file: file_id,
        comment: c.span,
        target: if file_wide { whole } else { target() },
        codes,
        used: false,
    });
}

/// What a comment at `items[i]` suppresses: the directive it trails on the
/// same line, the block whose `{` line it ends, or the next directive.
fn comment_target(
    file: &SourceFile,
    items: &[Node],
    i: usize,
    c: &Comment,
    parent: Option<&nginx_wslint_parser::Directive>,
) -> Option<Span> {
    let line_of = |offset: u32| file.line_index().line(offset);
    let comment_line = c.line;
    if i > 0 {
        if let Node::Directive(prev) = &items[i - 1] {
            if line_of(prev.span.end.saturating_sub(1)) == comment_line {
                return Some(prev.span);
            }
        }
    } else if let Some(p) = parent {
        if let Some(b) = file.block(p) {
            if line_of(b.open.start) == comment_line {
                return Some(p.span);
            }
        }
    }
    items[i + 1..].iter().find_map(|n| match n {
        Node::Directive(d) => Some(d.span),
        Node::Comment(_) => None,
    })
}

fn covers(code: &str, name: &str, wanted: &str) -> bool {
    wanted.eq_ignore_ascii_case(code) || wanted == name
}

/// Removes suppressed diagnostics and marks the suppressions used.
pub fn apply(diagnostics: &mut Vec<Diagnostic>, suppressions: &mut [Suppression]) {
    diagnostics.retain(|d| {
        let mut keep = true;
        for s in suppressions.iter_mut() {
            if s.file == d.file
                && s.target.start <= d.span.start
                && d.span.start < s.target.end.max(s.target.start + 1)
                && s.codes.iter().any(|c| covers(d.code.code, d.code.name, c))
            {
                s.used = true;
                keep = false;
            }
        }
        keep
    });
}

/// E004 for every suppression that silenced nothing.
pub fn unused(
    config: &nginx_wslint_parser::ConfigSet,
    suppressions: &[Suppression],
) -> Vec<Diagnostic> {
    suppressions
        .iter()
        .filter(|s| !s.used)
        .map(|s| {
            let codes = s.codes.join(",");
            let message = if s.codes.is_empty() {
                "suppression comment names no code: write `# nginx-wslint: ignore=WS006 reason`"
                    .to_string()
            } else {
                format!("unused suppression: nothing here is reported as {codes}")
            };
            Diagnostic::new(config, UNUSED_SUPPRESSION, s.file, s.comment, message)
                .with_help("remove the comment, or fix the code it names")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_comment_forms() {
        assert_eq!(
            parse(" nginx-wslint: ignore=WS006,WS008 idle is fine"),
            Some((false, vec!["WS006".into(), "WS008".into()]))
        );
        assert_eq!(
            parse(" nginx-wslint: file-ignore=static-upstream-dns"),
            Some((true, vec!["static-upstream-dns".into()]))
        );
        assert_eq!(parse(" nginx-wslint: context=server"), None);
        assert_eq!(parse(" just a comment"), None);
    }

    #[test]
    fn targets_follow_the_comment_position() {
        let src = b"server {\n  # nginx-wslint: ignore=WS001\n  location /a/ { x; }\n  location /b/ { # nginx-wslint: ignore=WS002\n  }\n  y 1; # nginx-wslint: ignore=WS003\n}\n# nginx-wslint: file-ignore=WS008\n";
        let file = SourceFile::parse("t.conf", src.to_vec());
        let s = collect(FileId(0), &file);
        let texts: Vec<(String, String)> = s
            .iter()
            .map(|s| {
                (
                    s.codes.join(","),
                    file.text_lossy(s.target)
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("WS001".into(), "location /a/ { x; }".into()),
                (
                    "WS002".into(),
                    "location /b/ { # nginx-wslint: ignore=WS002".into()
                ),
                ("WS003".into(), "y 1;".into()),
                ("WS008".into(), "server {".into()),
            ]
        );
    }
}
