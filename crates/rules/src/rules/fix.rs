//! Building blocks for the rules' fixes: where to insert lines in a block
//! (after its last `proxy_*` line, with the indentation and line endings of
//! its neighbours), and the `$connection_upgrade` map (reused when an
//! equivalent one exists anywhere, else inserted once in http context).

use nginx_wslint_autofix::{Edit, Fix};
use nginx_wslint_parser::{Context, Directive, Node, SourceFile};

use crate::model::{DirRef, Model};
use crate::rules::Checker;

/// The standard map (nginx's WebSocket documentation).
pub const CONNECTION_UPGRADE_MAP: [&str; 4] = [
    "map $http_upgrade $connection_upgrade {",
    "    default upgrade;",
    "    ''      close;",
    "}",
];

fn line_start(file: &SourceFile, offset: usize) -> usize {
    file.source()[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// The whitespace before the first word on the line of `offset`.
pub fn indent_at(file: &SourceFile, offset: usize) -> String {
    let start = line_start(file, offset);
    let indent: Vec<u8> = file.source()[start..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .copied()
        .collect();
    String::from_utf8_lossy(&indent).into_owned()
}

/// The file's line ending: CRLF if its first line ends so.
pub fn newline(file: &SourceFile) -> &'static str {
    match file.source().iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && file.source()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Edits that add `lines` (without indentation or `;`-terminated already)
/// to a block directive: after its last `proxy_*` directive (else its last
/// directive, else right after `{`), one per line with the siblings'
/// indentation; on the same line when the anchor shares the `{` line.
pub fn add_to_block(model: &Model, block: DirRef, lines: &[String]) -> Option<Edit> {
    let file = model.file(block.file);
    let b = file.block(block.directive)?;
    let (mut last, mut last_proxy) = (None, None);
    for d in file.block_items(b).iter().filter_map(Node::as_directive) {
        if file.name(d).starts_with("proxy_") {
            last_proxy = Some(d);
        }
        last = Some(d);
    }
    let anchor = last_proxy.or(last);
    let nl = newline(file);
    // The anchor comes after the `{`: on another line when a line break
    // lies between them.
    let below_open = |d: &Directive| {
        file.source()
            .get(b.open.start as usize..d.span.start as usize)
            .is_some_and(|between| between.contains(&b'\n'))
    };
    let mut prefix = String::new();
    let at = match anchor {
        Some(d) if below_open(d) => {
            prefix.push_str(nl);
            prefix.push_str(&indent_at(file, d.span.start as usize));
            after_trailing_comment(file, d.span.end as usize)
        }
        Some(d) => {
            prefix.push(' ');
            d.span.end as usize
        }
        None => {
            prefix.push_str(nl);
            prefix.push_str(&indent_at(file, block.directive.span.start as usize));
            prefix.push_str("    ");
            b.open.end as usize
        }
    };
    let mut content = String::with_capacity(lines.iter().map(|l| prefix.len() + l.len()).sum());
    for line in lines {
        content.push_str(&prefix);
        content.push_str(line);
    }
    Some(Edit::insertion(block.file.0, at as u32, content))
}

/// The variable to use for `Connection`, and the edit that defines it when
/// no `map $http_upgrade ...` exists: `None` when there is nowhere to put
/// the map (a server or location fragment).
pub fn connection_upgrade_variable(c: &Checker) -> Option<(String, Option<Edit>)> {
    if let Some(existing) = c.upgrade_maps.iter().min() {
        return Some((format!("${existing}"), None));
    }
    let model = c.model;
    let edit = map_insertion(model)?;
    Some(("$connection_upgrade".to_string(), Some(edit)))
}

/// The safe fix that makes the value of `d` (a `proxy_set_header
/// Connection ...`) the connection-upgrade variable, defining the map when
/// there is none (see [`connection_upgrade_variable`]).
pub fn use_connection_upgrade_variable(c: &Checker, d: DirRef) -> Option<Fix> {
    let (var, map) = connection_upgrade_variable(c)?;
    let word = arg_word(c.model, d, 1)?;
    let edits = std::iter::once(replace_word(d, word, var.clone()))
        .chain(map)
        .collect();
    Some(Fix::safe(format!("Use `{var}`"), edits))
}

/// Inserts the standard map in http context (see [`insert_in_http`]).
fn map_insertion(model: &Model) -> Option<Edit> {
    insert_in_http(model, &CONNECTION_UPGRADE_MAP)
}

/// Inserts `lines` (a block such as a `map` or an `upstream`, one string
/// per line) in http context: at the start of the first `http {}` block
/// when the configuration has one, else at the top of an http-context
/// fragment (after its leading comments). `None` for other fragments.
pub fn insert_in_http(model: &Model, lines: &[&str]) -> Option<Edit> {
    let http = model
        .all_blocks()
        .find(|&b| model.block(b).context == Context::Http && model.block(b).header.is_some());
    if let Some(http) = http {
        let header = model.block(http).header?;
        let file = model.file(header.file);
        let b = file.block(header.directive)?;
        let nl = newline(file);
        let outer = indent_at(file, header.directive.span.start as usize);
        let inner = file
            .block_items(b)
            .iter()
            .find_map(Node::as_directive)
            .map_or_else(
                || format!("{outer}    "),
                |d| indent_at(file, d.span.start as usize),
            );
        let text: String = lines
            .iter()
            .map(|l| format!("{nl}{inner}{l}"))
            .collect::<String>()
            + nl;
        return Some(Edit::insertion(header.file.0, b.open.end, text));
    }
    if model.block(Model::ROOT).context != Context::Http {
        return None;
    }
    let entry = model.entry.file;
    let file = model.file(entry);
    let nl = newline(file);
    let at = file
        .items()
        .iter()
        .find_map(Node::as_directive)
        .map_or(file.source().len(), |d| {
            line_start(file, d.span.start as usize)
        });
    let text: String = lines.iter().map(|l| format!("{l}{nl}")).collect::<String>() + nl;
    Some(Edit::insertion(entry.0, at as u32, text))
}

/// The end of the line of a directive that ends at `end` when the rest of
/// the line is only blanks and a comment (so the comment stays with its
/// directive); `end` itself when more follows on the line.
fn after_trailing_comment(file: &SourceFile, end: usize) -> usize {
    let rest = &file.source()[end..];
    let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = &rest[..line_end];
    let without_cr = line.strip_suffix(b"\r").unwrap_or(line);
    let trimmed = without_cr.trim_ascii_start();
    if trimmed.is_empty() || trimmed.starts_with(b"#") {
        end + without_cr.len()
    } else {
        end
    }
}

/// The `i`-th argument word of a directive.
pub fn arg_word<'a>(
    model: &Model<'a>,
    d: DirRef<'a>,
    i: usize,
) -> Option<&'a nginx_wslint_parser::Word> {
    model.file(d.file).args(d.directive).get(i)
}

/// Replaces `from` by `to` inside a word's raw text (keeping its quotes).
pub fn replace_in_word(model: &Model, d: DirRef, i: usize, from: &str, to: &str) -> Option<Edit> {
    let word = arg_word(model, d, i)?;
    let raw = model.file(d.file).text_lossy(word.span()).into_owned();
    let lower = raw.to_ascii_lowercase();
    let at = lower.find(&from.to_ascii_lowercase())?;
    let new = format!("{}{to}{}", &raw[..at], &raw[at + from.len()..]);
    Some(replace_word(d, word, new))
}

/// Replaces the text of a word (its raw span).
pub fn replace_word(
    d: DirRef,
    word: &nginx_wslint_parser::Word,
    content: impl Into<String>,
) -> Edit {
    Edit::replacement(d.file.0, word.span().start, word.span().end, content)
}
