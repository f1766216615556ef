//! What the fuzz targets check, shared by the fuzz targets
//! (`fuzz_targets/*.rs`) and by the replay test
//! `crates/rules/tests/fuzz_replay.rs`, which includes this file with
//! `#[path]` so that `cargo test` replays `fuzz/regressions/` without a
//! fuzzer. Every check panics on a broken invariant.
//!
//! * [`parse`]: any bytes parse (as directives and as `map`-style values)
//!   without panicking, and the tree's spans slice the source exactly and
//!   nest.
//! * [`lint`]: any bytes, read as an http-context fragment (and in the
//!   context the linter infers), build a model and run every rule without
//!   panicking; every diagnostic and every fix edit points inside the file.
//! * [`fix`]: the fixes are applied pass after pass, as `--fix` does, and
//!   every pass on a file without syntax errors re-parses without syntax
//!   errors; the passes converge (a pass after the last changes nothing).

use std::path::Path;

use nginx_wslint_autofix::{apply, Applicability, Fix};
use nginx_wslint_parser::{
    context, payload, BlockKind, ConfigSet, Context, Directive, FileId, LoadOptions, Node,
    ParseMode, SourceFile, Span,
};
use nginx_wslint_rules::diagnostic::{self, Diagnostic};
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::rules::{self, Settings};
use nginx_wslint_rules::suppression;

/// The name every fuzz input is parsed under.
const NAME: &str = "fuzz.conf";

/// Passes `--fix` makes at most (src/fix.rs).
pub const MAX_PASSES: usize = 10;

// ---------------------------------------------------------------- parse

/// Parses `data` in both modes and checks the tree.
pub fn parse(data: &[u8]) {
    for mode in [ParseMode::Directives, ParseMode::Values] {
        let file = SourceFile::parse_with_mode(NAME, data.to_vec(), mode);
        if let Err(e) = check_file(&file) {
            panic!("{mode:?}: {e}");
        }
        // The `parse` command's JSON payload renders any tree.
        let stmts = payload::single_file(
            &file,
            payload::PayloadOptions {
                include_comments: true,
            },
        );
        serde_json::to_string(&stmts).expect("payload serialises");
    }
}

/// The span invariants of a parsed file: every span lies inside the file,
/// children inside their parent's block, siblings in order and disjoint,
/// words and comments inside their directive, a block between its braces;
/// on a file without errors the bytes between nodes are whitespace only;
/// every word's value is nginx's unescaping of its text; errors point
/// inside the file at the line they name, and so does each comment.
pub fn check_file(file: &SourceFile) -> Result<(), String> {
    let len = file.source().len();
    for error in &file.errors {
        if error.span.start > error.span.end || error.span.end as usize > len {
            return Err(format!("error span {:?} outside 0..{len}", error.span));
        }
        let line = file.line_col(error.span.start).line;
        if line != error.line {
            return Err(format!(
                "error {:?} claims line {} but its span is on line {line}",
                error.message, error.line
            ));
        }
        if let Some((related, _)) = error.related {
            if related.start > related.end || related.end as usize > len {
                return Err(format!("related span {related:?} outside 0..{len}"));
            }
        }
    }
    check_items(
        file,
        file.items(),
        Span::new(0, len),
        file.errors.is_empty(),
    )?;
    for d in file.directives() {
        for w in std::iter::once(&d.name).chain(file.args(d)) {
            let expected =
                String::from_utf8_lossy(&nginx_wslint_parser::unescape(file.text(w.inner_span())))
                    .into_owned();
            if file.value(w) != expected {
                return Err(format!(
                    "word at {} has value {:?}, its text unescapes to {expected:?}",
                    w.span().start,
                    file.value(w)
                ));
            }
        }
    }
    Ok(())
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn inside(outer: Span, inner: Span) -> bool {
    inner.start <= inner.end && outer.contains(inner)
}

fn check_items(
    file: &SourceFile,
    items: &[Node],
    within: Span,
    whitespace_gaps: bool,
) -> Result<(), String> {
    let mut pos = within.start;
    for node in items {
        let span = node.span();
        if !inside(
            Span {
                start: pos,
                ..within
            },
            span,
        ) {
            return Err(format!(
                "node {span:?} outside {pos}..{} (or before its previous sibling)",
                within.end
            ));
        }
        if whitespace_gaps
            && !file
                .text(Span::new(pos as usize, span.start as usize))
                .iter()
                .all(|&b| is_space(b))
        {
            return Err(format!(
                "non-whitespace between nodes at {pos}..{}",
                span.start
            ));
        }
        match node {
            Node::Comment(c) => {
                let text = file.text(c.span);
                if text.first() != Some(&b'#') || text.contains(&b'\n') {
                    return Err(format!("comment span {:?} is not a comment", c.span));
                }
                // The line the lexer counted is the line index's.
                if c.line != file.line_index().line(c.span.start) {
                    return Err(format!("comment {:?} says line {}", c.span, c.line));
                }
            }
            Node::Directive(d) => check_directive(file, d, whitespace_gaps)?,
        }
        pos = span.end;
    }
    Ok(())
}

fn check_directive(file: &SourceFile, d: &Directive, clean: bool) -> Result<(), String> {
    if d.args.range().end > file.words.len() {
        return Err(format!(
            "directive at {} has args beyond the word list",
            d.span.start
        ));
    }
    let mut parts: Vec<Span> = std::iter::once(&d.name)
        .chain(file.args(d))
        .map(|w| w.span())
        .collect();
    parts.extend(file.comments_in(d).iter().map(|c| c.span));
    parts.sort();
    if parts[0].start != d.span.start {
        return Err(format!(
            "directive span {:?} does not start at its name",
            d.span
        ));
    }
    let mut pos = d.span.start;
    for p in &parts {
        if !inside(
            Span {
                start: pos,
                end: d.span.end,
            },
            *p,
        ) {
            return Err(format!(
                "word or comment {p:?} overlaps or leaves directive {:?}",
                d.span
            ));
        }
        pos = p.end;
    }
    for w in std::iter::once(&d.name).chain(file.args(d)) {
        let text = file.text(w.span());
        if text.is_empty() && !w.is_quoted() {
            return Err(format!("empty unquoted word at {}", w.span().start));
        }
        if w.is_quoted() && (text.len() < 2 || text.first() != text.last()) && clean {
            return Err(format!(
                "quoted word {w:?} does not start and end with its quote"
            ));
        }
    }
    if let Some(b) = file.block(d) {
        if b.open.start < pos || file.source().get(b.open.start as usize) != Some(&b'{') {
            return Err(format!(
                "block open {:?} is not a brace after the words",
                b.open
            ));
        }
        if b.body.start != b.open.end || !inside(d.span, b.body) {
            return Err(format!(
                "block body {:?} not after its brace inside {:?}",
                b.body, d.span
            ));
        }
        if let Some(c) = b.close {
            if c.end != d.span.end
                || c.start < b.body.end
                || file.source().get(c.start as usize) != Some(&b'}')
            {
                return Err(format!(
                    "block close {c:?} is not the last brace of {:?}",
                    d.span
                ));
            }
        }
        let gaps = clean && b.kind != BlockKind::Lua;
        check_items(file, file.block_items(b), b.body, gaps)?;
    } else if clean && d.terminated && file.source().get(d.span.end as usize - 1) != Some(&b';') {
        return Err(format!(
            "terminated directive {:?} does not end with `;`",
            d.span
        ));
    }
    Ok(())
}

// ----------------------------------------------------------------- lint

/// What one lint of a text gave.
pub struct Linted {
    pub had_errors: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lints `data` as a single entry file (includes are not followed, as with
/// `LoadOptions::default()`) in `context` (`None`: the declared or inferred
/// one), like the CLI but with the rules run even on a file with syntax
/// errors (the library allows it, so it must not panic either).
pub fn lint_as(data: &[u8], context: Option<Context>, settings: &Settings) -> Linted {
    let mut config = ConfigSet::new(LoadOptions::default());
    let entry = config.add_entry_source(Path::new(NAME), data.to_vec());
    let file = config.file(entry.file);
    let had_errors = !file.errors.is_empty();
    let mut diagnostics = diagnostic::load_diagnostics(&config);
    if let Ok(ctx) = context::resolve_context(file, context) {
        let model = Model::build(&config, entry, ctx);
        diagnostics.extend(rules::check(&model, settings, &|_| true));
    }
    let mut suppressions = suppression::collect(entry.file, config.file(entry.file));
    suppression::apply(&mut diagnostics, &mut suppressions);
    diagnostics.extend(suppression::unused(&config, &suppressions));
    for d in &diagnostics {
        check_diagnostic(&config, d);
    }
    Linted {
        had_errors,
        diagnostics,
    }
}

fn check_diagnostic(config: &ConfigSet, d: &Diagnostic) {
    assert!(
        (d.file.0 as usize) < config.files.len(),
        "{}: diagnostic in file {:?} of {}",
        d.code.code,
        d.file,
        config.files.len()
    );
    let len = config.file(d.file).source().len();
    assert!(
        d.span.start <= d.span.end && d.span.end as usize <= len,
        "{}: span {:?} outside 0..{len} ({})",
        d.code.code,
        d.span,
        d.message
    );
    assert!(
        (d.start.line, d.start.column) <= (d.end.line, d.end.column),
        "{}: start {:?} after end {:?}",
        d.code.code,
        d.start,
        d.end
    );
    if let Some((related, _)) = &d.related {
        assert!(
            related.start <= related.end && related.end as usize <= len,
            "{}: related span {related:?} outside 0..{len}",
            d.code.code
        );
    }
    if let Some(fix) = &d.fix {
        assert!(!fix.edits.is_empty(), "{}: fix without edits", d.code.code);
        for e in &fix.edits {
            assert!(
                (e.file as usize) < config.files.len()
                    && e.start <= e.end
                    && e.end as usize <= config.file(FileId(e.file)).source().len(),
                "{}: fix edit {}..{} in file {} is out of range ({})",
                d.code.code,
                e.start,
                e.end,
                e.file,
                fix.title
            );
        }
    }
}

/// Lints `data` as an http-context fragment, and in the context the linter
/// would infer when that differs.
pub fn lint(data: &[u8]) {
    let settings = Settings::default();
    lint_as(data, Some(Context::Http), &settings);
    let file = SourceFile::parse(NAME, data.to_vec());
    if context::resolve_context(&file, None).ok() != Some(Context::Http) {
        lint_as(data, None, &settings);
    }
}

// ------------------------------------------------------------------ fix

/// Which fixes a fix run applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixes {
    /// `--fix`.
    Safe,
    /// `--fix --unsafe-fixes`.
    All,
}

/// Runs `--fix` in memory on `data` (an http-context fragment) and returns
/// the fixed text, checking on the way that every pass on a file without
/// syntax errors re-parses without syntax errors, that some offered fix
/// always applies, and that the passes converge within [`MAX_PASSES`].
pub fn fix_as(data: &[u8], which: Fixes, settings: &Settings) -> Vec<u8> {
    let mut text = data.to_vec();
    for pass in 0..=MAX_PASSES {
        let linted = lint_as(&text, Some(Context::Http), settings);
        let fixes: Vec<&Fix> = linted
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| which == Fixes::All || f.applicability == Applicability::Safe)
            .collect();
        if fixes.is_empty() {
            return text;
        }
        // The CLI stops here (a fix that never settles is a bug).
        assert!(
            pass < MAX_PASSES || linted.had_errors,
            "{which:?} fixes did not converge in {MAX_PASSES} passes; still offered: {:?}\ntext now:\n{}",
            fixes.iter().map(|f| &f.title).collect::<Vec<_>>(),
            String::from_utf8_lossy(&text)
        );
        if pass == MAX_PASSES {
            return text;
        }
        let (texts, applied) = apply(&[text.as_slice()], &fixes);
        assert!(
            applied > 0,
            "{which:?} fixes offered but none applies: {:?}",
            fixes.iter().map(|f| &f.title).collect::<Vec<_>>()
        );
        let Some(new) = texts.into_iter().next().flatten() else {
            panic!("fixes applied but the text is unchanged");
        };
        if !linted.had_errors {
            let reparsed = SourceFile::parse(NAME, new.clone());
            if let Some(error) = reparsed.errors.first() {
                panic!(
                    "pass {pass}: {which:?} fixes {:?} made a parsable text unparsable: {}\nbefore:\n{}\nafter:\n{}",
                    fixes.iter().map(|f| &f.title).collect::<Vec<_>>(),
                    error.message,
                    String::from_utf8_lossy(&text),
                    String::from_utf8_lossy(&new)
                );
            }
        }
        text = new;
    }
    text
}

/// `--fix` with default settings, then `--fix --unsafe-fixes` with a
/// resolver configured (so WS012's fix inserts one); each result is fixed
/// again and must not change (idempotence).
pub fn fix(data: &[u8]) {
    let with_resolver = Settings {
        resolver: Some("127.0.0.53".into()),
        ..Settings::default()
    };
    for (which, settings) in [
        (Fixes::Safe, Settings::default()),
        (Fixes::All, with_resolver),
    ] {
        let fixed = fix_as(data, which, &settings);
        let again = fix_as(&fixed, which, &settings);
        if !SourceFile::parse(NAME, data.to_vec()).errors.is_empty() {
            continue;
        }
        assert!(
            fixed == again,
            "{which:?}: fixing the fixed text changed it again:\n{}\n---\n{}",
            String::from_utf8_lossy(&fixed),
            String::from_utf8_lossy(&again)
        );
    }
}

/// Runs every check on one input (what the replay test does).
pub fn all(data: &[u8]) {
    parse(data);
    lint(data);
    fix(data);
}
