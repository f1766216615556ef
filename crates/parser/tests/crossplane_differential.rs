//! Proof 1 of the parser: for every corpus and fixture file, our parse
//! agrees with crossplane's parser run on the single file (context and
//! argument checks off) on directive names, arguments, line numbers and
//! nesting — except in the files listed in `KNOWN_DIVERGENCES`, where
//! crossplane's lexer differs from nginx's (reference §1). Those constructs
//! are checked against real `nginx -t` in `nginx_conformance.rs`.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use nginx_wslint_parser::payload::{self, PayloadOptions};
use nginx_wslint_parser::{BlockKind, Node, Quote, SourceFile, Word};
use serde_json::Value;

/// Files where crossplane and nginx read the text differently, with the
/// documented reason (nginx-semantics.md §1, "crossplane lexer ≠ nginx").
/// `ESCAPES` files are found automatically (see `crossplane_view`); the
/// others are listed here with the nginx behaviour crossplane misses. Each
/// reason has a case in `nginx_conformance.rs` that real nginx decides.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    (
        "08manu__DOCKER_HLS_NGINX__config__nginx.conf",
        BRACE_CUTS_STATEMENT,
    ),
    (
        "hsmint__Reverse-Proxy__code-server.conf",
        BRACE_CUTS_STATEMENT,
    ),
    (
        "DonVadimon__chat-app-backend__nginx__templates__default.conf.template.conf",
        VARIABLE_BRACES,
    ),
    (
        "frappe__frappe_docker__resources__core__nginx__nginx-template.conf",
        VARIABLE_BRACES,
    ),
    (
        "nginxinc__nginx-go-crossplane__testdata__configs__broken1__nginx.conf",
        VARIABLE_BRACES,
    ),
    (
        "nginxinc__crossplane__tests__configs__messy__nginx.conf",
        VARIABLE_BRACES,
    ),
    (
        "R07941023__IAC-DockerCompose__nginx__jupyter.conf",
        ESCAPED_CR,
    ),
    (
        "nginxinc__crossplane__tests__configs__missing-semicolon__broken-above.conf",
        BLOCK_AFTER_MISSING_SEMICOLON,
    ),
];

/// `server a; // comment\n}`: a `}` after words is `unexpected "}"` in nginx
/// (`}` ends nothing but a block); crossplane silently ends the statement.
const BRACE_CUTS_STATEMENT: &str = "brace cuts statement";
/// `${VAR} x`: nginx only keeps `{` after `$` inside the word and ends it at
/// the next space; crossplane's `${` lexing swallows the byte after `}`.
const VARIABLE_BRACES: &str = "variable braces";
/// `\` before CR LF: nginx escapes the CR (the word is `\<CR>`), crossplane
/// escapes the LF.
const ESCAPED_CR: &str = "escaped CR";
/// `proxy_pass http://x` + newline + `location /y {`: without the `;` nginx
/// reads one statement `proxy_pass http://x location /y {`; crossplane's
/// analyzer splits it in two.
const BLOCK_AFTER_MISSING_SEMICOLON: &str = "block after missing semicolon";

/// Reason for files that differ only in escapes: crossplane keeps `\x`
/// sequences raw (except an escaped quote), nginx resolves `\n`, `\t`, `\r`,
/// `\\`, `\"` and `\'` (reference §1, crossplane ≠ nginx item 3).
const ESCAPES: &str = "escapes";

fn crossplane_available() -> bool {
    Command::new("python3")
        .args(["-c", "import crossplane"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_crossplane(files: &[std::path::PathBuf]) -> BTreeMap<String, Value> {
    let script = common::workspace_root().join("crates/parser/tests/support/crossplane_single.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().unwrap();
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let output = child
        .wait_with_output()
        .expect("crossplane script finishes");
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "crossplane script failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["file"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// crossplane emits comments found between a directive's arguments even
/// when asked for no comments; they are not directives, so drop them.
fn without_comments(statements: &Value) -> Value {
    match statements {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|s| s["directive"] != "#")
                .map(|s| {
                    let mut s = s.clone();
                    if let Some(block) = s.get("block").map(without_comments) {
                        s["block"] = block;
                    }
                    s
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The first difference between two statement lists, as a readable path.
fn first_difference(ours: &Value, theirs: &Value, path: &str) -> Option<String> {
    let (Value::Array(a), Value::Array(b)) = (ours, theirs) else {
        return (ours != theirs).then(|| format!("{path}: ours {ours} vs crossplane {theirs}"));
    };
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let here = format!("{path}[{i}]");
        for key in ["directive", "line", "args"] {
            if x[key] != y[key] {
                return Some(format!(
                    "{here}.{key}: ours {} vs crossplane {} (directive {} line {})",
                    x[key], y[key], y["directive"], y["line"]
                ));
            }
        }
        let xb = x.get("block").cloned().unwrap_or(Value::Null);
        let yb = y.get("block").cloned().unwrap_or(Value::Null);
        if xb.is_null() != yb.is_null() {
            return Some(format!(
                "{here}: block presence differs (directive {})",
                y["directive"]
            ));
        }
        if let Some(d) = first_difference(&xb, &yb, &format!("{here}.block")) {
            return Some(d);
        }
    }
    (a.len() != b.len()).then(|| {
        format!(
            "{path}: ours has {} statements, crossplane {}",
            a.len(),
            b.len()
        )
    })
}

/// A word as crossplane's lexer stores it: the raw text, except that inside
/// quotes an escaped quote of the same kind loses its backslash.
fn crossplane_value(file: &SourceFile, word: &Word) -> String {
    let inner = file.text_lossy(word.inner_span()).into_owned();
    match word.quote() {
        Quote::None => inner,
        Quote::Double => inner.replace("\\\"", "\""),
        Quote::Single => inner.replace("\\'", "'"),
    }
}

/// Our tree with crossplane's escape handling instead of nginx's, to tell
/// escape-only differences from structural ones.
fn crossplane_view(file: &SourceFile, items: &[Node]) -> Value {
    let mut out = Vec::new();
    for node in items {
        let Node::Directive(d) = node else { continue };
        let mut args: Vec<String> = file
            .args(d)
            .iter()
            .map(|a| crossplane_value(file, a))
            .collect();
        let name = crossplane_value(file, &d.name);
        if name == "if" {
            if let (Some(first), Some(last)) = (args.first().cloned(), args.last().cloned()) {
                if first.starts_with('(') && last.ends_with(')') {
                    let n = args.len() - 1;
                    args[0] = args[0][1..].trim_start().to_string();
                    args[n] = args[n][..args[n].len() - 1].trim_end().to_string();
                    let start = usize::from(args[0].is_empty());
                    let end = args.len() - usize::from(args[n].is_empty());
                    args = if start < end {
                        args[start..end].to_vec()
                    } else {
                        Vec::new()
                    };
                }
            }
        }
        let mut stmt =
            serde_json::json!({"directive": name, "line": file.line_of(d), "args": args});
        if let Some(b) = file.block(d) {
            if b.kind == BlockKind::Lua {
                stmt["args"]
                    .as_array_mut()
                    .unwrap()
                    .push(file.text_lossy(b.body).into_owned().into());
            } else {
                stmt["block"] = crossplane_view(file, file.block_items(b));
            }
        }
        out.push(stmt);
    }
    Value::Array(out)
}

fn listed_reason(name: &str) -> Option<&'static str> {
    KNOWN_DIVERGENCES
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, r)| *r)
}

#[test]
fn parse_agrees_with_crossplane() {
    if !crossplane_available() {
        assert!(
            !common::required("NGINX_WSLINT_REQUIRE_CROSSPLANE"),
            "crossplane is required (NGINX_WSLINT_REQUIRE_CROSSPLANE=1) but `python3 -c 'import crossplane'` fails"
        );
        eprintln!(
            "notice: crossplane not installed (pip install crossplane); differential test skipped"
        );
        return;
    }
    let files = common::corpus_and_fixture_files();
    assert!(!files.is_empty());
    let theirs = run_crossplane(&files);
    let mut divergent = BTreeMap::new();
    let mut compared = 0;
    for path in &files {
        let key = path.display().to_string();
        let cp = &theirs[&key];
        let file = SourceFile::parse(path, std::fs::read(path).unwrap());
        if cp["status"] != "ok" {
            // crossplane gives up on the whole file; we must at least see an
            // error too (where nginx does: checked in the conformance suite).
            assert!(
                !file.errors.is_empty(),
                "{key}: crossplane reports {} but we parse cleanly",
                cp["errors"]
            );
            continue;
        }
        let ours =
            serde_json::to_value(payload::single_file(&file, PayloadOptions::default())).unwrap();
        compared += 1;
        let theirs = without_comments(&cp["parsed"]);
        let Some(diff) = first_difference(&ours, &theirs, "") else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // Same structure once crossplane's escape handling is applied?
        if listed_reason(&name) == Some(BRACE_CUTS_STATEMENT) {
            assert!(
                file.errors.iter().any(|e| e.message == "unexpected \"}\""),
                "{name}: nginx rejects the brace; we must report it"
            );
        }
        let reason = match first_difference(&crossplane_view(&file, file.items()), &theirs, "") {
            None => ESCAPES.to_string(),
            Some(structural) => format!("{diff}\n      structural: {structural}"),
        };
        divergent.insert(name, reason);
    }
    eprintln!("compared {compared} files with crossplane");
    let listed: BTreeMap<String, String> = KNOWN_DIVERGENCES
        .iter()
        .map(|(f, why)| (f.to_string(), why.to_string()))
        .collect();
    let unexpected: Vec<_> = divergent
        .iter()
        .filter(|(f, reason)| reason.as_str() != ESCAPES && !listed.contains_key(*f))
        .collect();
    let escapes = divergent.values().filter(|r| r.as_str() == ESCAPES).count();
    eprintln!("{escapes} files differ from crossplane only in escapes");
    // Only the real-world corpus has such files; without it (a checkout
    // with no `../shared`) the check has nothing to see.
    if common::corpus_dir().is_some() {
        assert!(
            escapes > 0,
            "the corpus has files with escapes; the escape check must see them"
        );
    }
    // The listed files are corpus files: without the corpus none can vanish.
    let corpus_present = common::corpus_dir().is_some();
    let vanished: Vec<_> = listed
        .keys()
        .filter(|f| corpus_present && !divergent.contains_key(*f))
        .collect();
    assert!(
        unexpected.is_empty() && vanished.is_empty(),
        "unexpected divergences from crossplane:\n{}\nlisted but no longer divergent: {vanished:?}",
        unexpected
            .iter()
            .map(|(f, d)| format!("  {f}: {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
