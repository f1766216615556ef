//! Helpers shared by the parser's integration tests.
#![allow(dead_code)]

use nginx_wslint_parser::{Node, SourceFile};

/// A compact rendering of a parsed file: one line per directive, words as
/// their values in `⟨⟩`, blocks indented, comments as `#text`, then errors.
pub fn render(src: &str) -> String {
    render_bytes(src.as_bytes())
}

pub fn render_bytes(src: &[u8]) -> String {
    let file = SourceFile::parse("test.conf", src.to_vec());
    let mut out = String::new();
    render_items(&file, file.items(), 0, &mut out);
    for e in &file.errors {
        out.push_str(&format!("error {}: {}\n", e.line, e.message));
    }
    out
}

fn render_items(file: &SourceFile, items: &[Node], depth: usize, out: &mut String) {
    for node in items {
        let indent = "  ".repeat(depth);
        match node {
            Node::Comment(c) => {
                out.push_str(&format!("{indent}{}:{}\n", c.line, file.text_lossy(c.span)))
            }
            Node::Directive(d) => {
                out.push_str(&format!("{indent}{}:", file.line_of(d)));
                for w in std::iter::once(&d.name).chain(file.args(d)) {
                    out.push_str(&format!(" ⟨{}⟩", show(file.value(w))));
                }
                if !d.terminated {
                    out.push_str(" (unterminated)");
                }
                for c in file.comments_in(d) {
                    out.push_str(&format!(" {}", file.text_lossy(c.span)));
                }
                match file.block(d) {
                    Some(b) if b.kind == nginx_wslint_parser::BlockKind::Lua => {
                        out.push_str(&format!(" lua{{{}}}\n", file.text_lossy(b.body)));
                    }
                    Some(b) => {
                        out.push_str(" {\n");
                        render_items(file, file.block_items(b), depth + 1, out);
                        out.push_str(&format!("{indent}}}\n"));
                    }
                    None => out.push('\n'),
                }
            }
        }
    }
}

/// Shows backslashes doubled and invisible characters as escapes: `\t`,
/// `\r`, `\n`, `\u{a0}`...
pub fn show(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\\' => "\\\\".to_string(),
            '\t' => "\\t".to_string(),
            '\r' => "\\r".to_string(),
            '\n' => "\\n".to_string(),
            c if c.is_control() || c == '\u{a0}' || c == '\u{feff}' => {
                c.escape_unicode().to_string()
            }
            c => c.to_string(),
        })
        .collect()
}

/// Checks the span invariants of a parsed file: every span slices to the
/// text it stands for, children lie inside their parent, siblings are in
/// order and disjoint, the bytes between nodes are only whitespace, and a
/// comment's line is the line index's.
pub fn check_spans(file: &SourceFile) -> Result<(), String> {
    check_items(
        file,
        file.items(),
        0,
        file.source().len(),
        file.errors.is_empty(),
    )
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn check_items(
    file: &SourceFile,
    items: &[Node],
    start: usize,
    end: usize,
    whitespace_gaps: bool,
) -> Result<(), String> {
    let mut pos = start;
    for node in items {
        let span = node.span();
        let (s, e) = (span.start as usize, span.end as usize);
        if s < pos || e > end || s > e {
            return Err(format!("node {s}..{e} outside {pos}..{end}"));
        }
        if whitespace_gaps && !file.source()[pos..s].iter().all(|&b| is_space(b)) {
            return Err(format!(
                "non-whitespace between nodes at {pos}..{s}: {:?}",
                String::from_utf8_lossy(&file.source()[pos..s])
            ));
        }
        match node {
            Node::Comment(c) => {
                let text = file.text(c.span);
                if text.first() != Some(&b'#') || text.contains(&b'\n') {
                    return Err(format!(
                        "comment span {s}..{e} is not a comment: {:?}",
                        String::from_utf8_lossy(text)
                    ));
                }
                // The line the lexer counted is the line index's.
                if c.line != file.line_index().line(c.span.start) {
                    return Err(format!("comment at {s} says line {}", c.line));
                }
            }
            Node::Directive(d) => check_directive(file, d)?,
        }
        pos = e;
    }
    Ok(())
}

fn check_directive(file: &SourceFile, d: &nginx_wslint_parser::Directive) -> Result<(), String> {
    let src = &file.source();
    let mut pos = d.span.start as usize;
    let mut parts: Vec<nginx_wslint_parser::Span> = std::iter::once(&d.name)
        .chain(file.args(d))
        .map(|w| w.span())
        .collect();
    parts.extend(file.comments_in(d).iter().map(|c| c.span));
    parts.sort();
    if parts[0].start != d.span.start {
        return Err("directive span does not start at its name".into());
    }
    for w in std::iter::once(&d.name).chain(file.args(d)) {
        let text = file.text(w.span());
        if text.is_empty() && !w.is_quoted() {
            return Err(format!("empty unquoted word at {}", w.span().start));
        }
        if w.is_quoted() && text.first() != text.last() {
            return Err(format!(
                "quoted word {:?} does not start and end with its quote",
                String::from_utf8_lossy(text)
            ));
        }
    }
    for p in &parts {
        if (p.start as usize) < pos {
            return Err(format!("overlapping words at {}", p.start));
        }
        if !src[pos..p.start as usize].iter().all(|&b| is_space(b)) {
            return Err(format!("non-whitespace inside directive at {pos}"));
        }
        pos = p.end as usize;
    }
    let end = d.span.end as usize;
    match file.block(d) {
        None => {
            let rest = &src[pos..end];
            let ok = if d.terminated {
                rest.last() == Some(&b';') && rest[..rest.len() - 1].iter().all(|&b| is_space(b))
            } else {
                rest.iter().all(|&b| is_space(b))
            };
            if !ok {
                return Err(format!(
                    "directive tail {:?} is not a terminator",
                    String::from_utf8_lossy(rest)
                ));
            }
        }
        Some(b) => {
            if src.get(b.open.start as usize) != Some(&b'{') || (b.open.start as usize) < pos {
                return Err(format!(
                    "block open at {} is not a brace after the words",
                    b.open.start
                ));
            }
            if !src[pos..b.open.start as usize].iter().all(|&b| is_space(b)) {
                return Err("non-whitespace before block brace".into());
            }
            if let Some(c) = b.close {
                if src.get(c.start as usize) != Some(&b'}') || c.end as usize != end {
                    return Err(format!(
                        "block close at {} is not the directive's last brace",
                        c.start
                    ));
                }
            }
            if b.body.start != b.open.end {
                return Err("block body does not start after the brace".into());
            }
            let gaps = b.kind != nginx_wslint_parser::BlockKind::Lua && file.errors.is_empty();
            check_items(
                file,
                file.block_items(b),
                b.body.start as usize,
                b.body.end as usize,
                gaps,
            )?;
        }
    }
    Ok(())
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real-world corpus: `$NGINX_WSLINT_CORPUS`, or `../shared/corpus/real`
/// next to the checkout. `None` (with a notice) when it is not there.
pub fn corpus_dir() -> Option<std::path::PathBuf> {
    let dir = match std::env::var_os("NGINX_WSLINT_CORPUS") {
        Some(d) => std::path::PathBuf::from(d),
        None => workspace_root().join("../shared/corpus/real"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: corpus not found at {}; corpus tests skipped (set NGINX_WSLINT_CORPUS)",
            dir.display()
        );
        None
    }
}

/// Every file of the corpus (except its manifest and README) and of
/// `fixtures/`, sorted.
pub fn corpus_and_fixture_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Some(dir) = corpus_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_file() && name != "MANIFEST.tsv" && name != "README.md" {
                files.push(path);
            }
        }
    }
    let mut stack = vec![workspace_root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "conf") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Whether an external tool's tests must run (CI sets the variable) rather
/// than skip when the tool is missing.
pub fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

pub mod nginx;
