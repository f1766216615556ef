//! Documentation of the diagnostics that are not rules: syntax errors and
//! include problems found while loading, and unused suppressions. Their
//! checks live in the parser and in `suppression.rs`; these entries give
//! them a page like every rule.

pub mod e001 {
    crate::rules::declare_rule! {
        /// ## What it does
        /// Reports text that nginx would reject while reading the
        /// configuration, with nginx's own wording and the line nginx reports:
        /// `unexpected "}"`, `unexpected end of file, expecting ";" or "}"`,
        /// `unexpected end of file, expecting "}"`, `unexpected "#"`, `too long
        /// parameter ...`. It also reports an unknown context name in a
        /// `# nginx-wslint: context=` comment.
        ///
        /// ## Why is this bad?
        /// `nginx -t` fails and nginx does not start or reload. The parser
        /// reads configurations exactly as nginx's tokeniser does (only SP,
        /// HT, CR, LF separate words; quotes and `#` count only at the start
        /// of a word; a word or comment of 4096 bytes or more is too long), so
        /// what it rejects nginx rejects. Rules do not run on a file with a
        /// syntax error.
        ///
        /// ## Example
        /// ```nginx
        /// location /ws/ {
        ///     proxy_set_header Connection "upgrade"always;   # unexpected "a"
        /// }
        /// ```
        ///
        /// ## Fix safety
        /// No fix: the intent of broken text cannot be guessed.
        pub const RULE = ("E001", "syntax-error", Error, None, crate::rules::non_rule::nothing);
    }
}

pub mod e002 {
    crate::rules::declare_rule! {
        /// ## What it does
        /// Reports an `include` of an explicitly named file that cannot be
        /// opened. A glob that matches nothing is fine, as in nginx.
        ///
        /// ## Why is this bad?
        /// nginx fails with `open() "..." failed (2: No such file or
        /// directory)`. Relative paths are resolved against the prefix (the
        /// main configuration's directory), not against the including file;
        /// pass `--prefix` when linting a copy of the configuration outside its
        /// real location.
        ///
        /// ## Example
        /// ```nginx
        /// include snippets/websocket.conf;   # no such file
        /// ```
        ///
        /// ## Fix safety
        /// No fix.
        pub const RULE = ("E002", "include-not-found", Warning, None, crate::rules::non_rule::nothing);
    }
}

pub mod e003 {
    crate::rules::declare_rule! {
        /// ## What it does
        /// Reports an `include` that leads back to a file that is being read.
        ///
        /// ## Why is this bad?
        /// nginx has no cycle check: it recurses until it crashes (a
        /// segmentation fault under `nginx -t`). The linter stops at the cycle
        /// and reports the include that closes it.
        ///
        /// ## Example
        /// ```nginx
        /// # a.conf
        /// include b.conf;
        /// # b.conf
        /// include a.conf;
        /// ```
        ///
        /// ## Fix safety
        /// No fix.
        pub const RULE = ("E003", "include-cycle", Error, None, crate::rules::non_rule::nothing);
    }
}

pub mod e004 {
    crate::rules::declare_rule! {
        /// ## What it does
        /// Reports a `# nginx-wslint: ignore=...` or `file-ignore=...` comment
        /// that silences nothing.
        ///
        /// ## Why is this bad?
        /// A stale suppression hides the next real problem of that kind at
        /// that place, and misleads readers about what is wrong.
        ///
        /// ## Example
        /// ```nginx
        /// location /api/ { proxy_pass http://app; }   # nginx-wslint: ignore=WS007
        /// ```
        ///
        /// ## Fix safety
        /// No fix: remove the comment or correct the code it names.
        pub const RULE = ("E004", "unused-suppression", Info, None, crate::rules::non_rule::nothing);
    }
}

pub(crate) fn nothing(_: &mut crate::rules::Checker) {}
