//! crossplane's JSON payload (`crossplane parse`), so that tools built on
//! crossplane can read nginx-wslint's parse.
//!
//! Shape: `{"status","errors":[{"file","line","error"}],"config":[{"file",
//! "status","errors":[{"line","error"}],"parsed":[{"directive","line","args",
//! "includes"?,"block"?}]}]}`. As in crossplane, `if` arguments lose their
//! parentheses, comments (with `include_comments`) are `{"directive":"#",
//! "comment"}` entries, comments between arguments follow their directive,
//! a Lua block's body is its last argument, and each file is listed once, in
//! the order it is first included.

use std::collections::HashMap;

use serde::Serialize;

use crate::ast::{BlockKind, Directive, Node};
use crate::include::{ConfigSet, Entry, FileId, LoadDiagnostic};
use crate::SourceFile;

#[derive(Debug, Clone, Copy, Default)]
pub struct PayloadOptions {
    pub include_comments: bool,
}

#[derive(Serialize)]
pub struct Payload {
    pub status: &'static str,
    pub errors: Vec<PayloadError>,
    pub config: Vec<FileConfig>,
}

#[derive(Serialize)]
pub struct PayloadError {
    pub file: String,
    pub line: u32,
    pub error: String,
}

#[derive(Serialize)]
pub struct FileConfig {
    pub file: String,
    pub status: &'static str,
    pub errors: Vec<FileError>,
    pub parsed: Vec<Stmt>,
}

#[derive(Serialize)]
pub struct FileError {
    pub line: u32,
    pub error: String,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Stmt {
    pub directive: String,
    pub line: u32,
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub includes: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<Vec<Stmt>>,
}

/// Builds the payload for one entry of a loaded configuration.
pub fn build(config: &ConfigSet, entry: Entry, options: PayloadOptions) -> Payload {
    // Files in the order crossplane lists them: the entry, then each file's
    // includes as they are first met, breadth first.
    let mut order: Vec<FileId> = vec![entry.file];
    let mut index: HashMap<FileId, usize> = HashMap::from([(entry.file, 0)]);
    let mut next = 0;
    while next < order.len() {
        let file = order[next];
        next += 1;
        let source = config.file(file);
        for d in source.directives() {
            if source.name(d) == "include" {
                for &t in config.included(entry.prefix, file, d.span.start) {
                    index.entry(t).or_insert_with(|| {
                        order.push(t);
                        order.len() - 1
                    });
                }
            }
        }
    }

    let mut payload = Payload {
        status: "ok",
        errors: Vec::new(),
        config: Vec::new(),
    };
    for &file in &order {
        let source = config.file(file);
        let path = source.path.display().to_string();
        let mut errors: Vec<FileError> = source
            .errors
            .iter()
            .map(|e| FileError {
                line: e.line,
                error: format!("{} in {}:{}", e.message, path, e.line),
            })
            .collect();
        let load_errors = config
            .diagnostics
            .iter()
            .filter(|d: &&LoadDiagnostic| d.file == file);
        for d in load_errors {
            let line = source.line_col(d.span.start).line;
            errors.push(FileError {
                line,
                error: format!("{} in {}:{}", d.message, path, line),
            });
        }
        errors.sort_by_key(|e| e.line);
        let includes = |d: &Directive| {
            config
                .included(entry.prefix, file, d.span.start)
                .iter()
                .map(|t| index[t])
                .collect::<Vec<_>>()
        };
        let mut lines = source.line_index().cursor();
        let parsed = statements(source, source.items(), options, &includes, &mut lines);
        let status = if errors.is_empty() { "ok" } else { "failed" };
        if !errors.is_empty() {
            payload.status = "failed";
            payload.errors.extend(errors.iter().map(|e| PayloadError {
                file: path.clone(),
                line: e.line,
                error: e.error.clone(),
            }));
        }
        payload.config.push(FileConfig {
            file: path,
            status,
            errors,
            parsed,
        });
    }
    payload
}

/// The payload statements of one file on its own (crossplane's
/// `single=True`), without following includes.
pub fn single_file(file: &SourceFile, options: PayloadOptions) -> Vec<Stmt> {
    let mut lines = file.line_index().cursor();
    statements(file, file.items(), options, &|_| Vec::new(), &mut lines)
}

/// `lines` finds the directives' lines, which a walk asks for in file
/// order.
fn statements(
    file: &SourceFile,
    items: &[Node],
    options: PayloadOptions,
    includes: &dyn Fn(&Directive) -> Vec<usize>,
    lines: &mut crate::span::LineCursor,
) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(items.len());
    for node in items {
        match node {
            Node::Comment(c) => {
                if options.include_comments {
                    out.push(comment_stmt(file.comment_text(c).into_owned(), c.line));
                }
            }
            Node::Directive(d) => {
                let line = lines.line(d.span.start);
                let name = file.name(d).to_string();
                let mut args: Vec<String> = file.arg_values(d).map(str::to_string).collect();
                if name == "if" {
                    strip_if_parens(&mut args);
                }
                let mut block = None;
                if let Some(b) = file.block(d) {
                    if b.kind == BlockKind::Lua {
                        args.push(file.text_lossy(b.body).into_owned());
                    } else {
                        block = Some(statements(
                            file,
                            file.block_items(b),
                            options,
                            includes,
                            lines,
                        ));
                    }
                }
                let includes = (name == "include").then(|| includes(d));
                out.push(Stmt {
                    directive: name,
                    line,
                    args,
                    includes,
                    comment: None,
                    block,
                });
                if options.include_comments {
                    for c in file.comments_in(d) {
                        out.push(comment_stmt(file.comment_text(c).into_owned(), line));
                    }
                }
            }
        }
    }
    out
}

fn comment_stmt(text: String, line: u32) -> Stmt {
    Stmt {
        directive: "#".into(),
        line,
        args: Vec::new(),
        includes: None,
        comment: Some(text),
        block: None,
    }
}

/// crossplane's `_prepare_if_args`: `(` and `)` glued to the first and last
/// arguments are removed, and arguments left empty are dropped.
fn strip_if_parens(args: &mut Vec<String>) {
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return;
    };
    if !(first.starts_with('(') && last.ends_with(')')) {
        return;
    }
    let first = args[0][1..].trim_start().to_string();
    args[0] = first;
    let n = args.len() - 1;
    let last = args[n]
        .strip_suffix(')')
        .unwrap_or(&args[n])
        .trim_end()
        .to_string();
    args[n] = last;
    let start = usize::from(args[0].is_empty());
    let end = args.len() - usize::from(args[n].is_empty());
    if start >= end {
        args.clear();
    } else {
        *args = args[start..end].to_vec();
    }
}
