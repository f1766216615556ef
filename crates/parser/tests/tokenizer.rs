//! How single constructs are read: the rules of nginx's
//! `ngx_conf_read_token` (reference §1), one snapshot each. Each line shows
//! `line: ⟨word⟩...` with values after unescaping; errors follow.

mod common;

use common::render;
use insta::assert_snapshot;

#[test]
fn only_space_tab_cr_lf_separate_words() {
    assert_snapshot!(render("a\tb\r\nc d;"), @"1: ⟨a⟩ ⟨b⟩ ⟨c⟩ ⟨d⟩");
    assert_snapshot!(render("proxy_http_version\u{a0}1.1;"), @r"1: ⟨proxy_http_version\u{a0}1.1⟩");
    assert_snapshot!(render("\u{c}proxy_pass x;"), @r"1: ⟨\u{c}proxy_pass⟩ ⟨x⟩");
    assert_snapshot!(render("\u{feff}events {}"), @r"
    1: ⟨\u{feff}events⟩ {
    }
    ");
}

#[test]
fn braces_and_hash_count_only_at_a_word_start() {
    assert_snapshot!(render("return 200 ok};"), @"1: ⟨return⟩ ⟨200⟩ ⟨ok}⟩");
    assert_snapshot!(render("return 200 a#b; # comment"), @r"
    1: ⟨return⟩ ⟨200⟩ ⟨a#b⟩
    1:# comment
    ");
    assert_snapshot!(render("location /a{ }"), @r"
    1: ⟨location⟩ ⟨/a⟩ {
    }
    ");
    assert_snapshot!(render("location ~ ^/a{2}$ { }"), @r#"
    1: ⟨location⟩ ⟨~⟩ ⟨^/a⟩ (unterminated) {
      1: ⟨2}$⟩ {
      }
    }
    error 1: unexpected end of file, expecting "}"
    "#);
}

#[test]
fn quotes_open_only_at_a_word_start_and_need_a_separator_after() {
    assert_snapshot!(render(r#"add_header X a"b"c;"#), @r#"1: ⟨add_header⟩ ⟨X⟩ ⟨a"b"c⟩"#);
    assert_snapshot!(render(r#"add_header X "a"b;"#), @r#"
    1: ⟨add_header⟩ ⟨X⟩ ⟨a⟩ ⟨b⟩
    error 1: unexpected "b"
    "#);
    assert_snapshot!(render(r##"add_header X "x"#c;"##), @r##"
    1: ⟨add_header⟩ ⟨X⟩ ⟨x⟩ (unterminated) #c;
    error 1: unexpected "#"
    error 1: unexpected end of file, expecting ";" or "}"
    "##);
    assert_snapshot!(render("if ($a = \"b\") { }"), @r"
    1: ⟨if⟩ ⟨($a⟩ ⟨=⟩ ⟨b⟩ ⟨)⟩ {
    }
    ");
    assert_snapshot!(render("map $a $b { '' close; \"\" x; }"), @r"
    1: ⟨map⟩ ⟨$a⟩ ⟨$b⟩ {
      1: ⟨⟩ ⟨close⟩
      1: ⟨⟩ ⟨x⟩
    }
    ");
    assert_snapshot!(render("return 200 \"a\nb\";"), @r"1: ⟨return⟩ ⟨200⟩ ⟨a\nb⟩");
}

#[test]
fn backslash_escapes_like_nginx() {
    assert_snapshot!(render(r#"return 200 "q\"s\'b\\t\tr\rn\nd\d";"#), @r#"1: ⟨return⟩ ⟨200⟩ ⟨q"s'b\\t\tr\rn\nd\\d⟩"#);
    assert_snapshot!(render(r"location ~ \.php$ { }"), @r"
    1: ⟨location⟩ ⟨~⟩ ⟨\\.php$⟩ {
    }
    ");
    assert_snapshot!(render(r"return 200 a\ b\;c;"), @r"1: ⟨return⟩ ⟨200⟩ ⟨a\\ b\\;c⟩");
}

#[test]
fn dollar_brace_does_not_open_a_block() {
    assert_snapshot!(render("set $a \"${uri}x\"; return 200 ${host}y;"), @r"
    1: ⟨set⟩ ⟨$a⟩ ⟨${uri}x⟩
    1: ⟨return⟩ ⟨200⟩ ⟨${host}y⟩
    ");
}

#[test]
fn statement_errors_use_nginx_wording() {
    assert_snapshot!(render(";"), @r#"error 1: unexpected ";""#);
    assert_snapshot!(render("}"), @r#"error 1: unexpected "}""#);
    assert_snapshot!(render("{ a; }"), @r#"
    1: ⟨a⟩
    error 1: unexpected "{"
    "#);
    assert_snapshot!(render("location / {\n  return 200 x }"), @r#"
    1: ⟨location⟩ ⟨/⟩ {
      2: ⟨return⟩ ⟨200⟩ ⟨x⟩ (unterminated)
    }
    error 2: unexpected "}"
    "#);
    assert_snapshot!(render("http {\n"), @r#"
    1: ⟨http⟩ (unterminated) {
    }
    error 2: unexpected end of file, expecting "}"
    "#);
    assert_snapshot!(render("worker_processes 1"), @r#"
    1: ⟨worker_processes⟩ ⟨1⟩ (unterminated)
    error 1: unexpected end of file, expecting ";" or "}"
    "#);
    assert_snapshot!(render("map $a $b { x { } }"), @r#"
    1: ⟨map⟩ ⟨$a⟩ ⟨$b⟩ {
      1: ⟨x⟩ {
      }
    }
    error 1: unexpected "{"
    "#);
}

#[test]
fn recovery_reports_later_errors_too() {
    assert_snapshot!(render("a \"x\"y;\n}\nb {\n"), @r#"
    1: ⟨a⟩ ⟨x⟩ ⟨y⟩
    3: ⟨b⟩ (unterminated) {
    }
    error 1: unexpected "y"
    error 2: unexpected "}"
    error 4: unexpected end of file, expecting "}"
    "#);
}

#[test]
fn words_and_comments_longer_than_nginx_buffer_are_rejected() {
    let ok = format!("#{}\nx;", "c".repeat(4094));
    assert_snapshot!(render(&ok).lines().last().unwrap(), @"2: ⟨x⟩");
    let long = format!("#{}\nx;", "c".repeat(4095));
    assert_snapshot!(render(&long).lines().last().unwrap(), @r##"error 1: too long parameter "#ccccccccc..." started"##);
}

#[test]
fn comments_are_kept_between_directives_and_arguments() {
    assert_snapshot!(render("# top\nproxy_pass # inner\n  http://x; # after\n"), @r"
    1:# top
    2: ⟨proxy_pass⟩ ⟨http://x⟩ # inner
    3:# after
    ");
}

#[test]
fn lua_block_bodies_are_opaque() {
    assert_snapshot!(render("content_by_lua_block {\n  local t = {'}'} -- }\n  s = [[ } ]]\n}\nnext;"), @r"
    1: ⟨content_by_lua_block⟩ lua{
      local t = {'}'} -- }
      s = [[ } ]]
    }
    5: ⟨next⟩
    ");
    assert_snapshot!(render("set_by_lua_block $x { return 1 }"), @"1: ⟨set_by_lua_block⟩ ⟨$x⟩ lua{ return 1 }");
    assert_snapshot!(render("access_by_lua_block { if x then"), @r#"
    1: ⟨access_by_lua_block⟩ (unterminated) lua{ if x then}
    error 1: unexpected end of file, expecting "}"
    "#);
}

#[test]
fn invalid_utf8_nul_and_crlf_keep_their_bytes() {
    let file = nginx_wslint_parser::SourceFile::parse("t", b"a \xff\x00b;\r\n# c\r\n".to_vec());
    assert!(file.errors.is_empty());
    let d = file.items()[0].as_directive().unwrap();
    assert_eq!(file.text(file.args(d)[0].span()), b"\xff\x00b");
    assert_eq!(file.value(&file.args(d)[0]), "\u{fffd}\0b");
    let comment = match &file.items()[1] {
        nginx_wslint_parser::Node::Comment(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(file.text(comment.span), b"# c\r");
}

/// Only a comment holding the marker counts: the same text in a quoted
/// argument or in an opaque Lua body is not a comment.
#[test]
fn files_with_a_tool_comment_are_noted() {
    use nginx_wslint_parser::SourceFile;
    let has = |text: &str| SourceFile::parse("t.conf", text.as_bytes().to_vec()).has_tool_comment();
    assert!(has("# nginx-wslint: ignore=WS001\nlocation / {}"));
    assert!(has("location / { # nginx-wslint: websocket\n}"));
    assert!(has("proxy_pass http://a # nginx-wslint: ignore=WS008\n;"));
    assert!(!has("# nginx-wslint ignore=WS001\nlocation / {}"));
    assert!(!has("return 200 '# nginx-wslint: no';"));
    assert!(!has("content_by_lua_block { -- # nginx-wslint: x\n}"));
    assert!(!has(""));
}

/// Blocks of directives and of values count, nested ones too; a Lua body
/// and a nameless `{ ... }` make no block.
#[test]
fn blocks_are_counted() {
    use nginx_wslint_parser::SourceFile;
    let count = |text: &str| SourceFile::parse("t.conf", text.as_bytes().to_vec()).block_count();
    assert_eq!(
        count("events {} http { server { location / { if ($a) {} } } }"),
        5
    );
    assert_eq!(count("map $a $b { default 1; }"), 1);
    assert_eq!(count("content_by_lua_block { if x then end }"), 0);
    assert_eq!(count("{ a; } server {"), 1);
    assert_eq!(count(""), 0);
}
