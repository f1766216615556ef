//! Proof 2 of the parser: on tricky inputs our accept/reject decision and
//! error position equal real `nginx -t`'s, and the values we read are the
//! values nginx serves.
//!
//! The cases cover the tokeniser rules of reference §1 and the themes of the
//! nginx-go-crossplane test data (comments between arguments, quoted right
//! brace, quote behaviour, variables with braces, empty-value map, include
//! cycles, Lua blocks, premature EOF, missing semicolons, non-ASCII), plus
//! every construct where crossplane's lexer differs from nginx (see
//! `crossplane_differential.rs`).
//!
//! How a verdict is compared:
//! * nginx accepts ⇒ we report no E001/E002/E003;
//! * nginx reports a syntax error (`unexpected ...`, `too long parameter
//!   ...`) ⇒ our first error in nginx's reading order has the same message,
//!   file and line;
//! * nginx cannot open an include ⇒ our first problem is E002 there;
//! * nginx rejects a directive by name (`unknown directive "X"`, `"X"
//!   directive is not allowed here`, ...) ⇒ we have no error before it and a
//!   directive named X whose `;` or `{` is on nginx's line (these checks are
//!   the semantic model's job; here they prove the tokenisation);
//! * nginx rejects without a place (`unknown "x" variable`) ⇒ we parse
//!   without error;
//! * nginx crashes (it recurses forever on an include cycle) ⇒ we report E003.

mod common;

use std::path::{Path, PathBuf};

use common::nginx::{self, Verdict};
use nginx_wslint_parser::{
    ConfigSet, Directive, Entry, FileId, LoadDiagnosticKind, LoadOptions, Node,
};

struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
}

/// A case whose `nginx.conf` is `events {}` and an `http {}` block holding
/// `http_body`.
fn http(name: &'static str, http_body: &str) -> Case {
    http_bytes(name, http_body.as_bytes())
}

fn http_bytes(name: &'static str, http_body: &[u8]) -> Case {
    let mut conf = b"events {}\nhttp {\n".to_vec();
    conf.extend_from_slice(http_body);
    conf.extend_from_slice(b"\n}\n");
    Case {
        name,
        files: vec![("nginx.conf", conf)],
    }
}

/// A case with the whole `nginx.conf` given.
fn main_conf(name: &'static str, conf: &[u8]) -> Case {
    Case {
        name,
        files: vec![("nginx.conf", conf.to_vec())],
    }
}

fn tree(name: &'static str, files: &[(&'static str, &[u8])]) -> Case {
    Case {
        name,
        files: files.iter().map(|(n, c)| (*n, c.to_vec())).collect(),
    }
}

fn server(location_body: &str) -> String {
    format!("server {{\nlisten 127.0.0.1:8080;\n{location_body}\n}}")
}

fn cases() -> Vec<Case> {
    let long_word = "x".repeat(5000);
    let long_comment_4095 = format!("#{}\nevents {{}}\n", "c".repeat(4094));
    let long_comment_4096 = format!("#{}\nevents {{}}\n", "c".repeat(4095));
    let mut big_unterminated = b"events {}\nhttp {\nadd_header X \"abc;\n".to_vec();
    big_unterminated.extend(std::iter::repeat_n(b"# padding\n".as_slice(), 800).flatten());
    big_unterminated.extend_from_slice(b"}\n");
    vec![
        // Whitespace is only SP, HT, CR, LF.
        http("plain", &server("location / { return 200 ok; }")),
        http_bytes("nbsp-is-a-word-byte", "proxy_http_version\u{a0}1.1;".as_bytes()),
        http_bytes("form-feed-is-a-word-byte", b"\x0cproxy_buffering off;"),
        http_bytes("vertical-tab-is-a-word-byte", b"proxy_buffering\x0boff;"),
        main_conf("bom-joins-first-word", b"\xEF\xBB\xBFevents {}\n"),
        main_conf("bom-before-comment", b"\xEF\xBB\xBF# comment\nevents {}\n"),
        main_conf("crlf-line-endings", b"events {}\r\nhttp {\r\n  # comment\r\n  server { listen 127.0.0.1:8080; }\r\n}\r\n"),
        main_conf("cr-only-comment-runs-to-lf", b"events {}\r# c\rhttp { bogus; }\r"),
        main_conf("mixed-line-endings", b"events {}\nhttp {\r\n\r  server {\n listen 127.0.0.1:8080;\r}\n}\nbogus;\n"),
        main_conf("tabs", b"events\t{}\nhttp\t{\n\tserver\t{\tlisten\t127.0.0.1:8080;\t}\n}\n"),
        main_conf("nul-byte-in-name", b"events {}\nhttp { bo\x00gus 1; }\n"),
        main_conf("nul-byte-in-comment", b"events {}\n# a\x00b\nhttp {}\n"),
        main_conf("invalid-utf8-in-comment-and-arg", b"events {}\n# \xff\xfe\nhttp { add_header X \"\xc3\x28\"; }\n"),
        // `}` and `#` inside a word.
        http("brace-inside-word", &server("location / { return 200 ok}; }")),
        http("brace-inside-word-then-eof", "server { location / { return 200 ok}"),
        http("hash-inside-word", &server("location / { return 200 a#b; }")),
        http("comment-after-quote", &server("location / { return 200 \"x\"#c; }")),
        http("comment-after-quote-space", &server("location / { return 200 \"x\" #c\n; }")),
        // Quotes open only at the start of a word.
        http("quote-inside-word", &server("location / { return 200 a\"b\"c; }")),
        http("text-after-closing-quote", &server("location / { return 200 \"a\"b; }")),
        http("quote-after-quote", &server("location / { return 200 \"a\"\"b\"; }")),
        http("quote-spans-lines", &server("location / { return 200 \"line1\nline2\"; }")),
        http("single-quote-spans-lines", &server("location / { return 200 'a\n\nb'; }")),
        http("paren-after-quote", &server("location / { if ($request_method = \"GET\") { return 200 get; } }")),
        http("if-glued-paren", &server("location / { if($uri) { return 200; } }")),
        http("empty-quoted-args", "map $http_upgrade $c { default upgrade; '' close; }\nmap $http_x $d { \"\" a; default ''; }"),
        http("conflicting-empty-keys", "map $http_upgrade $c { '' a; \"\" b; }"),
        // Escapes.
        http("escapes-in-double-quotes", &server("location / { return 200 \"a\\\"b\\'c\\\\d\\te\\nf\\qg\"; }")),
        http("escaped-space", &server("location / { return 200 a\\ b; }")),
        http("escaped-semicolon", &server("location / { return 200 a\\;b; }")),
        http("escaped-brace", &server("location / { return 200 a\\{b; }")),
        http("escaped-quote-at-start", &server("location / { return 200 \\\"x; }")),
        http("backslash-at-end-of-quoted", &server("location / { return 200 \"a\\\\\"; }")),
        main_conf("escaped-crlf", b"events {}\r\nhttp {\r\n  server_names_hash_bucket_size \\\r\n 64;\r\n}\r\n"),
        // Variables and braces.
        http("dollar-brace-in-quotes", &server("location / { set $v \"${uri}X\"; return 200 $v; }")),
        http("dollar-brace-unquoted", &server("location / { return 200 ${uri}X; }")),
        http("dollar-brace-then-space", &server("location / { return 200 ${uri} x; }")),
        http("unclosed-dollar-brace", &server("location / { return 200 ${uri; }")),
        http("brace-in-unquoted-regex", &server("location ~ ^/a{2}$ { return 200; }")),
        http("brace-in-quoted-regex", &server("location ~ \"^/a{2}$\" { return 200; }")),
        http("glued-block-brace", &server("location /a{ return 200; }")),
        http("glued-semicolon", &server("location /a { return 200 x;return 200 y; }")),
        // Statement ends.
        http("stray-semicolon", ";"),
        http("stray-brace", &server("location / { return 200; } }")),
        http("nameless-block", "{ }"),
        http("brace-after-words", &server("location / { return 200 x }")),
        main_conf("premature-eof-in-block", b"events {}\nhttp {\n"),
        main_conf("premature-eof-in-block-trailing-space", b"events {}\nhttp {\n  "),
        main_conf("premature-eof-in-statement", b"events {}\nhttp {}\nworker_processes 1"),
        main_conf("premature-eof-in-quote", b"events {}\nhttp { add_header X \"abc;\n}\n"),
        main_conf("premature-eof-in-comment", b"events {}\nhttp {}\n# no newline"),
        http("missing-semicolon-above", &server("location /a {\nproxy_pass http://127.0.0.1\n}\nlocation /b { }")),
        http("missing-semicolon-before-block", &server("location /a {\nproxy_pass http://127.0.0.1\nlocation /b {\n}\n}")),
        http("missing-semicolon-below", &server("location /a { return 200 }\nlocation /b { return 200; }")),
        http("comments-between-args", &server("location / {\nreturn # status\n 200 # body\n \"ok\";\n}")),
        http("quoted-right-brace", &server("location / { return 200 \"}\"; }")),
        http("quoted-semicolon-and-brace", &server("location / { return 200 'a;b{c}'; }")),
        http("quote-behavior", &server("location / { return 200 'a \"b\" c'; add_header X \"it's\"; }")),
        http("directive-with-space", &server("location / { return 200 \"a b\"; }")),
        http("russian-text", &server("# Привет, мир\nlocation / { return 200 \"Привет\"; }")),
        http("map-with-nested-brace", "map $a $b { default x; x { } }"),
        http("map-regex-keys", "map $uri $b { default x; ~^/a 1; ~*\\.PNG$ 2; \\~literal 3; }"),
        // Long words: nginx's 4096-byte buffer.
        main_conf("long-comment-fits", long_comment_4095.as_bytes()),
        main_conf("long-comment-too-long", long_comment_4096.as_bytes()),
        http("long-word", &server(&format!("location / {{ return 200 {long_word}; }}"))),
        main_conf("unterminated-quote-in-big-file", &big_unterminated),
        // Lua blocks: nginx-light has no lua module, so nginx names the
        // directive; the body is checked by unit tests and crossplane.
        http("lua-block", &server("location / { content_by_lua_block { ngx.say('}') } }")),
        // Includes.
        tree(
            "include-relative-to-prefix",
            &[
                ("nginx.conf", b"events {}\nhttp { include sub/a.conf; }\n"),
                ("sub/a.conf", b"include b.conf;\n"),
                ("b.conf", b"server { listen 127.0.0.1:8080; }\n"),
            ],
        ),
        tree(
            "include-not-relative-to-including-file",
            &[
                ("nginx.conf", b"events {}\nhttp { include sub/a.conf; }\n"),
                ("sub/a.conf", b"include b.conf;\n"),
                ("sub/b.conf", b"server { listen 127.0.0.1:8080; }\n"),
            ],
        ),
        tree("include-empty-glob", &[("nginx.conf", b"events {}\nhttp { include conf.d/*.conf; }\n")]),
        tree(
            "include-glob-skips-dotfiles",
            &[
                ("nginx.conf", b"events {}\nhttp { include conf.d/*; }\n"),
                ("conf.d/.hidden", b"bogus;\n"),
                ("conf.d/site", b"server { listen 127.0.0.1:8080; }\n"),
            ],
        ),
        tree(
            "include-glob-order",
            &[
                ("nginx.conf", b"events {}\nhttp { include conf.d/*.conf; }\n"),
                ("conf.d/b.conf", b"bogus_b;\n"),
                ("conf.d/a.conf", b"bogus_a;\n"),
            ],
        ),
        tree("include-missing", &[("nginx.conf", b"events {}\nhttp {\n include nothere.conf; }\n")]),
        tree(
            "include-cycle",
            &[
                ("nginx.conf", b"events {}\nhttp { include a.conf; }\n"),
                ("a.conf", b"include b.conf;\n"),
                ("b.conf", b"include a.conf;\n"),
            ],
        ),
        tree(
            "include-braces-balance-per-file",
            &[
                ("nginx.conf", b"events {}\nhttp { include open.conf; include close.conf; }\n"),
                ("open.conf", b"server {\n"),
                ("close.conf", b"}\n"),
            ],
        ),
        tree(
            "include-error-in-included-file-first",
            &[
                ("nginx.conf", b"events {}\nhttp {\ninclude a.conf;\n}\n}\n"),
                ("a.conf", b"server { listen 127.0.0.1:8080; } }\n"),
            ],
        ),
        tree(
            "include-inside-map",
            &[
                ("nginx.conf", b"events {}\nhttp { map $uri $b { include map.conf; default 0; } }\n"),
                ("map.conf", b"x 1;\ny 2;\n"),
            ],
        ),
        tree(
            "include-inside-map-with-brace",
            &[
                ("nginx.conf", b"events {}\nhttp { map $uri $b { include map.conf; } }\n"),
                ("map.conf", b"x {\n}\n"),
            ],
        ),
        tree(
            "include-twice",
            &[
                ("nginx.conf", b"events {}\nhttp { server { listen 127.0.0.1:8080; location /a { include p.conf; } location /b { include p.conf; } } }\n"),
                ("p.conf", b"proxy_buffering off;\n"),
            ],
        ),
    ]
}

/// The first problem nginx would meet reading the configuration, in its
/// order: each file front to back, descending into includes where they are.
#[derive(Debug)]
enum OurFirst {
    Syntax {
        message: String,
        file: PathBuf,
        line: u32,
    },
    IncludeNotFound {
        file: PathBuf,
        line: u32,
    },
    IncludeCycle,
}

fn our_first_problem(config: &ConfigSet, entry: Entry) -> Option<OurFirst> {
    visit(config, entry, entry.file)
}

fn visit(config: &ConfigSet, entry: Entry, file_id: FileId) -> Option<OurFirst> {
    let file = config.file(file_id);
    // Events of this file by offset: syntax errors, and includes (processed
    // when their `;` is read).
    let mut events: Vec<(u32, Option<&Directive>, Option<usize>)> = Vec::new();
    for (i, e) in file.errors.iter().enumerate() {
        events.push((e.span.start, None, Some(i)));
    }
    for d in file.directives() {
        if file.name(d) == "include" {
            events.push((d.span.end.saturating_sub(1), Some(d), None));
        }
    }
    events.sort_by_key(|e| e.0);
    for (_, include, error) in events {
        if let Some(i) = error {
            let e = &file.errors[i];
            return Some(OurFirst::Syntax {
                message: e.message.clone(),
                file: file.path.clone(),
                line: e.line,
            });
        }
        let d = include.expect("an include");
        let load = config
            .diagnostics
            .iter()
            .find(|l| l.file == file_id && l.span == d.span);
        if let Some(load) = load {
            return Some(match load.kind {
                LoadDiagnosticKind::IncludeNotFound => OurFirst::IncludeNotFound {
                    file: file.path.clone(),
                    line: file.line_col(d.span.end - 1).line,
                },
                LoadDiagnosticKind::IncludeCycle => OurFirst::IncludeCycle,
            });
        }
        for &target in config.included(entry.prefix, file_id, d.span.start) {
            if let Some(found) = visit(config, entry, target) {
                return Some(found);
            }
        }
    }
    None
}

/// The directive name in an nginx error that rejects a directive by name.
fn named_directive(message: &str) -> Option<&str> {
    const PATTERNS: [(&str, &str); 6] = [
        ("unknown directive \"", "\""),
        ("\"", "\" directive is not allowed here"),
        ("directive \"", "\" is not terminated by \";\""),
        ("directive \"", "\" has no opening \"{\""),
        ("invalid number of arguments in \"", "\" directive"),
        ("\"", "\" directive is duplicate"),
    ];
    PATTERNS
        .iter()
        .find_map(|(prefix, suffix)| message.strip_prefix(prefix)?.strip_suffix(suffix))
}

/// Whether a directive named `name` (nginx prints names with `%s`, so only
/// up to a NUL byte) ends its header (`;` or `{`) on `line` of `path`.
fn has_directive_ending_on(config: &ConfigSet, path: &Path, name: &str, line: u32) -> bool {
    config.file_ids().any(|id| {
        let file = config.file(id);
        if !same_file(&file.path, path) {
            return false;
        }
        file.directives().any(|d| {
            let ours = file.name(d);
            let ours = ours.split('\0').next().unwrap_or("");
            let terminator = match file.block(d) {
                Some(b) => b.open.start,
                None => d.span.end.saturating_sub(1),
            };
            ours == name && file.line_col(terminator).line == line
        })
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn is_syntax_message(message: &str) -> bool {
    message.starts_with("unexpected ") || message.starts_with("too long parameter")
}

fn check_case(nginx: &Path, case: &Case) -> Result<String, String> {
    let files: Vec<(&str, &[u8])> = case.files.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    let dir = nginx::write_tree(&files);
    let verdict = nginx::test_config(nginx, dir.path());
    let mut config = ConfigSet::new(LoadOptions {
        prefix: Some(dir.path().to_path_buf()),
        follow_includes: true,
    });
    let entry = config.load_entry(&dir.path().join("nginx.conf")).unwrap();
    let ours = our_first_problem(&config, entry);
    let describe = format!("nginx: {verdict:?}\nours: {ours:?}");
    let agree = match (&verdict, &ours) {
        (Verdict::Ok, None) => true,
        (Verdict::Ok, Some(_)) => false,
        (Verdict::Crashed(_), ours) => matches!(ours, Some(OurFirst::IncludeCycle)),
        // Found after reading everything: the text itself parsed.
        (Verdict::Rejected(_), ours) => ours.is_none(),
        (
            Verdict::Error {
                message,
                file,
                line,
            },
            ours,
        ) if is_syntax_message(message) => match ours {
            Some(OurFirst::Syntax {
                message: m,
                file: f,
                line: l,
            }) => m == message && same_file(f, file) && l == line,
            _ => false,
        },
        (
            Verdict::Error {
                message,
                file,
                line,
            },
            ours,
        ) if message.starts_with("open() ") => match ours {
            Some(OurFirst::IncludeNotFound { file: f, line: l }) => same_file(f, file) && l == line,
            _ => false,
        },
        (
            Verdict::Error {
                message,
                file,
                line,
            },
            ours,
        ) => {
            // Rejected by name: the tokenisation must produce that directive
            // there, with no syntax error of ours before it.
            let before = match ours {
                None => false,
                Some(OurFirst::Syntax {
                    file: f, line: l, ..
                }) => same_file(f, file) && l < line,
                Some(_) => true,
            };
            let named = match named_directive(message) {
                Some(name) => has_directive_ending_on(&config, file, name, *line),
                None => true,
            };
            !before && named
        }
    };
    if agree {
        Ok(describe)
    } else {
        Err(describe)
    }
}

#[test]
fn accept_reject_and_error_lines_match_nginx() {
    let Some(nginx) = nginx::require() else {
        return;
    };
    let mut failures = Vec::new();
    let cases = cases();
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        match check_case(&nginx, case) {
            Ok(describe) => {
                if std::env::var_os("NGINX_WSLINT_SHOW_VERDICTS").is_some() {
                    eprintln!("case {}:\n{describe}\n", case.name);
                }
            }
            Err(describe) => failures.push(format!("case {}:\n{describe}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with nginx -t:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The verdicts above must not all be the same: the suite exercises both
/// accepted and rejected inputs.
#[test]
fn suite_has_accepted_and_rejected_cases() {
    let Some(nginx) = nginx::require() else {
        return;
    };
    let mut accepted = 0;
    let mut rejected = 0;
    for case in cases() {
        let files: Vec<(&str, &[u8])> =
            case.files.iter().map(|(n, c)| (*n, c.as_slice())).collect();
        let dir = nginx::write_tree(&files);
        match nginx::test_config(&nginx, dir.path()) {
            Verdict::Ok => accepted += 1,
            _ => rejected += 1,
        }
    }
    assert!(
        accepted >= 20 && rejected >= 20,
        "accepted {accepted}, rejected {rejected}"
    );
}

/// Words whose value nginx serves back with `return 200 WORD;` — the value we
/// parse must be byte for byte what nginx sends.
const SERVED_WORDS: &[&str] = &[
    "ok}",
    "a#b",
    "a\"b\"c",
    "\"line1\nline2\"",
    "'a\n\nb'",
    "\"a\\\"b\\'c\\\\d\\te\\nf\\qg\"",
    "'a\\'b\\\"c'",
    "a\\ b",
    "a\\;b",
    "a\\{b",
    "a\\}b",
    "\\\"x",
    "\"a\\\\\"",
    "\"}\"",
    "'a;b{c}'",
    "'a \"b\" c'",
    "\"Привет\"",
    "x\\\\y",
    "\\n\\t",
    "\"\\r\"",
    "''",
    "\"tab\there\"",
    "a'b'",
];

#[test]
fn parsed_values_are_what_nginx_serves() {
    let Some(nginx) = nginx::require() else {
        return;
    };
    let mut body = String::new();
    for (i, word) in SERVED_WORDS.iter().enumerate() {
        body.push_str(&format!("location = /w{i} {{ return 200 {word}; }}\n"));
    }
    let server = nginx::Server::start(&nginx, &body);
    let file = nginx_wslint_parser::SourceFile::parse("served.conf", body.clone().into_bytes());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let mut mismatches = Vec::new();
    let locations: Vec<&Directive> = file.items().iter().filter_map(Node::as_directive).collect();
    assert_eq!(locations.len(), SERVED_WORDS.len());
    for (i, location) in locations.iter().enumerate() {
        let ret = file.children(location)[0].as_directive().unwrap();
        let ours = file.value(&file.args(ret)[1]).as_bytes().to_vec();
        let (status, served) = server.get(&format!("/w{i}"));
        assert_eq!(status, 200);
        if ours != served {
            mismatches.push(format!(
                "{}: ours {:?}, nginx {:?}",
                SERVED_WORDS[i],
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&served)
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
