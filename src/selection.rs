//! `--select` / `--ignore`: which codes are reported.

use nginx_wslint_rules::rules;

/// Every non-rule code, for selector validation.
const OTHER_CODES: &[(&str, &str)] = &[
    ("E001", "syntax-error"),
    ("E002", "include-not-found"),
    ("E003", "include-cycle"),
    ("E004", "unused-suppression"),
];

pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
}

fn known(selector: &str) -> bool {
    let upper = selector.to_ascii_uppercase();
    upper == "ALL"
        || rules::ALL
            .iter()
            .map(|r| (r.code.code, r.code.name))
            .chain(OTHER_CODES.iter().copied())
            .any(|(code, name)| code.starts_with(&upper) || name == selector)
}

fn matches(selector: &str, code: &str, name: &str) -> bool {
    let upper = selector.to_ascii_uppercase();
    upper == "ALL" || code.starts_with(&upper) || name == selector
}

impl Selection {
    pub fn new(select: &[String], ignore: &[String]) -> Result<Selection, String> {
        let clean = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let selection = Selection {
            select: clean(select),
            ignore: clean(ignore),
        };
        for selector in selection.select.iter().chain(&selection.ignore) {
            if !known(selector) {
                return Err(format!(
                    "unknown rule selector \"{selector}\": use a code (WS001), a name (missing-upgrade-header) or a code prefix (WS00); `nginx-wslint rule --all` lists them"
                ));
            }
        }
        Ok(selection)
    }

    /// Whether a code is reported. Syntax errors (E001) are always
    /// reported unless explicitly ignored: the other checks cannot be
    /// trusted on a file nginx would reject.
    pub fn enabled(&self, code: &str, name: &str) -> bool {
        let selected = self.select.is_empty()
            || code == "E001"
            || self.select.iter().any(|s| matches(s, code, name));
        selected && !self.ignore.iter().any(|s| matches(s, code, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_take_codes_names_and_prefixes() {
        let s = Selection::new(&["WS00".into()], &["missing-http-version".into()]).unwrap();
        assert!(s.enabled("WS001", "missing-upgrade-header"));
        assert!(!s.enabled("WS003", "missing-http-version"));
        assert!(!s.enabled("WS010", "swapped-upgrade-headers"));
        assert!(s.enabled("E001", "syntax-error"));
        assert!(!s.enabled("E002", "include-not-found"));
        assert!(Selection::new(&["ws999".into()], &[]).is_err());
        assert!(Selection::new(&["ALL".into()], &["e002".into()])
            .unwrap()
            .enabled("WS017", "x"));
    }
}
