//! The body of an OpenResty `*_by_lua_block { ... }`.
//!
//! lua-nginx-module reads these bodies with its own Lua-aware lexer
//! (`ngx_http_lua_conf_read_lua_token`), so braces inside Lua strings,
//! comments and long brackets do not end the block. The body is kept opaque:
//! only its extent matters to nginx-wslint.

/// Finds the `}` that closes a Lua block whose body starts at `start` (just
/// after the `{`). Returns its offset, or `None` if the file ends first.
pub(crate) fn find_block_end(src: &[u8], start: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = start;
    while i < src.len() {
        match src[i] {
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
            b'"' | b'\'' => i = skip_short_string(src, i)?,
            b'[' => match long_bracket_level(src, i) {
                Some(level) => i = skip_long_bracket(src, i, level)?,
                None => i += 1,
            },
            b'-' if src.get(i + 1) == Some(&b'-') => {
                i += 2;
                match long_bracket_level(src, i) {
                    // `--[[ ... ]]` and `--[==[ ... ]==]` are long comments.
                    Some(level) => i = skip_long_bracket(src, i, level)?,
                    None => {
                        while i < src.len() && src[i] != b'\n' {
                            i += 1;
                        }
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Skips a `'...'` or `"..."` string starting at `i`; returns the offset after
/// its closing quote. A backslash escapes the next byte.
fn skip_short_string(src: &[u8], i: usize) -> Option<usize> {
    let quote = src[i];
    let mut j = i + 1;
    while j < src.len() {
        match src[j] {
            b'\\' => j += 2,
            b if b == quote => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// If a long bracket `[`, `=`*, `[` opens at `i`, its level (number of `=`).
fn long_bracket_level(src: &[u8], i: usize) -> Option<usize> {
    if src.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while src.get(j) == Some(&b'=') {
        j += 1;
    }
    (src.get(j) == Some(&b'[')).then_some(j - i - 1)
}

/// Skips a long bracket of `level` opening at `i`; returns the offset after
/// the matching `]`, `=`*level, `]`.
fn skip_long_bracket(src: &[u8], i: usize, level: usize) -> Option<usize> {
    let mut j = i + level + 2;
    while j < src.len() {
        if src[j] == b']' {
            let mut k = j + 1;
            while k < src.len() && src[k] == b'=' {
                k += 1;
            }
            if k - j - 1 == level && src.get(k) == Some(&b']') {
                return Some(k + 1);
            }
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(body: &str) -> Option<usize> {
        find_block_end(body.as_bytes(), 0)
    }

    #[test]
    fn braces_in_lua_syntax_do_not_end_the_block() {
        assert_eq!(end("local t = {a = 1} }"), Some(18));
        assert_eq!(end("ngx.say(\"}\") }"), Some(13));
        assert_eq!(end("ngx.say('\\'}') }"), Some(15));
        assert_eq!(end("-- } comment\n }"), Some(14));
        assert_eq!(end("local s = [[ } ]] }"), Some(18));
        assert_eq!(end("local s = [==[ ]] } ]==] }"), Some(25));
        assert_eq!(end("--[[ } \n } ]] }"), Some(14));
        assert_eq!(end("x = a[b[1]] }"), Some(12));
    }

    #[test]
    fn unterminated_bodies_are_reported() {
        assert_eq!(end("ngx.say('x') "), None);
        assert_eq!(end("s = \"}"), None);
        assert_eq!(end("s = [[ } "), None);
    }
}
