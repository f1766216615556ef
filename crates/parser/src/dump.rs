//! The output of `nginx -T`: every configuration file nginx read, each
//! after a `# configuration file PATH:` line (`ngx_conf_dump` in
//! src/core/ngx_conf_file.c and `nginx -T` in src/core/nginx.c, which
//! writes each file's text followed by one newline).

use std::path::PathBuf;

const HEADER: &[u8] = b"# configuration file ";

/// Splits `nginx -T` output into its files, in order (the first is the main
/// configuration). `None` when the text is not such a dump.
pub fn split(text: &[u8]) -> Option<Vec<(PathBuf, Vec<u8>)>> {
    // Most input is not a dump: one fast search says so.
    memchr::memmem::find(text, HEADER)?;
    // nginx's own status lines may precede the dump when stderr was merged.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut pos = 0;
    let mut current: Option<(PathBuf, usize)> = None;
    while pos < text.len() {
        let line_end = text[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| pos + i + 1);
        let line = &text[pos..line_end];
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if let Some(rest) = trimmed
            .strip_prefix(HEADER)
            .and_then(|r| r.strip_suffix(b":"))
        {
            if let Some((path, start)) = current.take() {
                files.push((path, strip_added_newline(&text[start..pos])));
            }
            let path = PathBuf::from(String::from_utf8_lossy(rest).into_owned());
            current = Some((path, line_end));
        }
        pos = line_end;
    }
    let (path, start) = current?;
    files.push((path, strip_added_newline(&text[start..])));
    Some(files)
}

/// nginx writes a newline after each file's text.
fn strip_added_newline(section: &[u8]) -> Vec<u8> {
    section.strip_suffix(b"\n").unwrap_or(section).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_files_and_removes_the_added_newline() {
        let dump = b"nginx: the configuration file /e/nginx.conf syntax is ok\n# configuration file /e/nginx.conf:\nevents {}\nhttp { include conf.d/*.conf; }\n\n# configuration file /e/conf.d/a.conf:\nserver {}\n";
        let files = split(dump).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].0, PathBuf::from("/e/nginx.conf"));
        assert_eq!(files[0].1, b"events {}\nhttp { include conf.d/*.conf; }\n");
        assert_eq!(files[1].1, b"server {}");
        assert_eq!(split(b"server {}\n"), None);
    }
}
