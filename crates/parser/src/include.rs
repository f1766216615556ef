//! Loading a configuration with its `include`s, the way nginx resolves them
//! (`ngx_conf_include`):
//!
//! * a relative path is relative to the prefix, which is the directory of the
//!   *main* configuration file (not of the including file); `--prefix`
//!   overrides it;
//! * a pattern with `*`, `?` or `[` is a glob: sorted, `*` skips dotfiles, no
//!   match is fine;
//! * a missing explicit file is an error (E002 here);
//! * an include that leads back to a file being read is a cycle (E003), and
//!   the loop is cut so nothing hangs;
//! * an included file's directives belong to the including block, so a file
//!   included from several places is analysed in each of them: walkers follow
//!   [`ConfigSet::included`] at every `include` they meet.
//!
//! Each file is read and parsed once (per [`ParseMode`]: a file included
//! inside a `map` block is read as key/value lines).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::glob;
use crate::parser::ParseMode;
use crate::span::Span;
use crate::SourceFile;

/// Index of a file in [`ConfigSet::files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// Index of a prefix directory in a [`ConfigSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrefixId(pub u32);

/// An entry file and the prefix its relative includes resolve against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub file: FileId,
    pub prefix: PrefixId,
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Overrides the prefix (default: each entry file's directory).
    pub prefix: Option<PathBuf>,
    /// When false, `include` directives are not followed.
    pub follow_includes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadDiagnosticKind {
    /// E002: an explicitly named file cannot be opened.
    IncludeNotFound,
    /// E003: the include leads back to a file that is being read.
    IncludeCycle,
}

/// A problem found while following includes, reported at the `include`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadDiagnostic {
    pub kind: LoadDiagnosticKind,
    pub file: FileId,
    /// The prefix the include was resolved against.
    pub prefix: PrefixId,
    /// The `include` directive.
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct ConfigSet {
    pub files: Vec<SourceFile>,
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<LoadDiagnostic>,
    prefixes: Vec<PathBuf>,
    by_path: HashMap<(PathBuf, ParseMode), FileId>,
    /// (prefix, file) → for each `include` directive of the file, in file
    /// order: its start offset and the files it pulled in.
    includes: HashMap<(PrefixId, FileId), Vec<IncludeEdges>>,
    /// Contents to use instead of the files on disk (canonical path →
    /// bytes): fixed text is checked again before anything is written.
    overlay: HashMap<PathBuf, Vec<u8>>,
    /// When set, includes that resolve outside this directory are not read
    /// (a pull request must not make CI quote another file of the runner).
    root: Option<PathBuf>,
    /// When set, the only files there are (an `nginx -T` dump): paths as
    /// nginx printed them → text. The disk is not read.
    virtual_files: Option<std::collections::BTreeMap<PathBuf, Vec<u8>>>,
    /// Files whose includes are resolved for a prefix.
    resolved: std::collections::HashSet<(PrefixId, FileId)>,
    options: LoadOptions,
}

/// The start offset of an `include` directive and the files it pulled in.
type IncludeEdges = (u32, Vec<FileId>);

/// An `include` directive found in a file.
struct IncludeSite {
    start: u32,
    span: Span,
    pattern: String,
    mode: ParseMode,
}

struct Frame {
    file: FileId,
    sites: Vec<IncludeSite>,
    next_site: usize,
    /// Targets of the current site still to descend into, last first.
    pending: Vec<FileId>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
}

impl ConfigSet {
    pub fn new(options: LoadOptions) -> ConfigSet {
        ConfigSet {
            options,
            ..ConfigSet::default()
        }
    }

    /// Reads these contents instead of the files at these (canonical)
    /// paths.
    pub fn set_overlay(&mut self, overlay: HashMap<PathBuf, Vec<u8>>) {
        self.overlay = overlay;
    }

    /// Refuses to read included files outside `root` (canonical); they are
    /// reported as E002 "not read".
    pub fn set_root(&mut self, root: Option<PathBuf>) {
        self.root = root.map(|r| std::fs::canonicalize(&r).unwrap_or(r));
    }

    /// Reads files from these contents only (an `nginx -T` dump) instead of
    /// the disk; include globs expand over their paths.
    pub fn set_virtual_files(&mut self, files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) {
        self.virtual_files = Some(files.into_iter().map(|(p, t)| (normalize(&p), t)).collect());
    }

    #[inline]
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn file_ids(&self) -> impl Iterator<Item = FileId> {
        (0..self.files.len() as u32).map(FileId)
    }

    pub fn prefix(&self, id: PrefixId) -> &Path {
        &self.prefixes[id.0 as usize]
    }

    /// Reads, parses and adds an entry file with everything it includes.
    /// Fails only if the entry file itself cannot be read.
    pub fn load_entry(&mut self, path: &Path) -> io::Result<Entry> {
        let file = self.load_file(path, ParseMode::Directives, None)?;
        Ok(self.add_entry(file, path))
    }

    /// [`load_entry`](Self::load_entry) for a file the caller has already
    /// read from disk as `read` (an overlay or virtual file still wins), so
    /// that it is not read twice.
    pub fn load_entry_read(&mut self, path: &Path, read: Vec<u8>) -> io::Result<Entry> {
        let file = self.load_file(path, ParseMode::Directives, Some(read))?;
        Ok(self.add_entry(file, path))
    }

    /// Adds a file that the caller read (from `canonical`, the canonical
    /// form of `file.path`) and parsed with [`ParseMode::Directives`],
    /// typically many files in parallel: loading it as an entry, or
    /// including it, then takes it from here. Ignored when an overlay or a
    /// virtual file stands for that path or it is loaded already.
    pub fn add_parsed(&mut self, canonical: PathBuf, file: SourceFile) {
        let key = (canonical, ParseMode::Directives);
        if self.virtual_files.is_some()
            || self.overlay.contains_key(&key.0)
            || self.by_path.contains_key(&key)
        {
            return;
        }
        self.by_path.insert(key, FileId(self.files.len() as u32));
        self.files.push(file);
    }

    /// Adds an entry whose text is already in memory (standard input).
    pub fn add_entry_source(&mut self, path: &Path, source: Vec<u8>) -> Entry {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile::parse(path, source));
        self.add_entry(id, path)
    }

    fn add_entry(&mut self, file: FileId, path: &Path) -> Entry {
        let prefix_dir = match &self.options.prefix {
            Some(prefix) => prefix.clone(),
            None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let prefix = match self.prefixes.iter().position(|p| *p == prefix_dir) {
            Some(i) => PrefixId(i as u32),
            None => {
                self.prefixes.push(prefix_dir);
                PrefixId(self.prefixes.len() as u32 - 1)
            }
        };
        let entry = Entry { file, prefix };
        self.entries.push(entry);
        if self.options.follow_includes {
            self.follow(entry);
        }
        entry
    }

    /// The files an `include` directive (at `start` in `file`) pulled in, in
    /// nginx's order, when read from an entry with `prefix`.
    pub fn included(&self, prefix: PrefixId, file: FileId, include_start: u32) -> &[FileId] {
        let Some(sites) = self.includes.get(&(prefix, file)) else {
            return &[];
        };
        match sites.binary_search_by_key(&include_start, |(start, _)| *start) {
            Ok(i) => &sites[i].1,
            Err(_) => &[],
        }
    }

    /// Every file reachable from `entry` through includes (excluding itself).
    pub fn reachable(&self, entry: Entry) -> Vec<FileId> {
        let mut seen = vec![false; self.files.len()];
        seen[entry.file.0 as usize] = true;
        let mut stack = vec![entry.file];
        let mut out = Vec::new();
        while let Some(file) = stack.pop() {
            let sites = self.includes.get(&(entry.prefix, file));
            for (_, targets) in sites.into_iter().flatten() {
                for &t in targets {
                    if !seen[t.0 as usize] {
                        seen[t.0 as usize] = true;
                        out.push(t);
                        stack.push(t);
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Keeps only the entries `keep` accepts, and the include diagnostics
    /// that still matter: those found in a file read from a kept entry.
    pub fn retain_entries(&mut self, keep: impl Fn(&Entry) -> bool) {
        self.entries.retain(|e| keep(e));
        let mut live: std::collections::HashSet<(PrefixId, FileId)> =
            std::collections::HashSet::new();
        for &entry in &self.entries {
            live.insert((entry.prefix, entry.file));
            live.extend(self.reachable(entry).into_iter().map(|f| (entry.prefix, f)));
        }
        self.diagnostics
            .retain(|d| live.contains(&(d.prefix, d.file)));
    }

    /// Every file read from the current entries, each once, in id order.
    pub fn live_files(&self) -> Vec<FileId> {
        let mut seen = vec![false; self.files.len()];
        for &entry in &self.entries {
            seen[entry.file.0 as usize] = true;
            for f in self.reachable(entry) {
                seen[f.0 as usize] = true;
            }
        }
        self.file_ids().filter(|f| seen[f.0 as usize]).collect()
    }

    /// `read`: the file's bytes when the caller has read it already.
    fn load_file(
        &mut self,
        path: &Path,
        mode: ParseMode,
        read: Option<Vec<u8>>,
    ) -> io::Result<FileId> {
        let canonical = match &self.virtual_files {
            Some(files) => {
                let key = normalize(path);
                if !files.contains_key(&key) {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        "not in the nginx -T dump",
                    ));
                }
                key
            }
            None => std::fs::canonicalize(path)?,
        };
        if let Some(&id) = self.by_path.get(&(canonical.clone(), mode)) {
            return Ok(id);
        }
        let source = if let Some(text) = self.virtual_files.as_ref().and_then(|f| f.get(&canonical))
        {
            text.clone()
        } else if let Some(text) = self.overlay.get(&canonical) {
            text.clone()
        } else if let Some(text) = read {
            text
        } else {
            // A directory opens, and its read fails (one system call fewer
            // than asking first).
            std::fs::read(&canonical).map_err(|e| match e.kind() {
                io::ErrorKind::IsADirectory => io::Error::other("21: Is a directory"),
                _ => e,
            })?
        };
        let id = FileId(self.files.len() as u32);
        self.files
            .push(SourceFile::parse_with_mode(path, source, mode));
        self.by_path.insert((canonical, mode), id);
        Ok(id)
    }

    /// Depth-first walk of the include graph from `entry`, iterative so that
    /// long include chains cannot overflow the stack.
    fn follow(&mut self, entry: Entry) {
        if self.resolved.contains(&(entry.prefix, entry.file)) {
            return;
        }
        let mut visits: HashMap<FileId, Visit> = HashMap::new();
        visits.insert(entry.file, Visit::InProgress);
        let mut stack = vec![Frame {
            file: entry.file,
            sites: include_sites(self.file(entry.file)),
            next_site: 0,
            pending: Vec::new(),
        }];
        while let Some(top) = stack.last_mut() {
            if let Some(target) = top.pending.pop() {
                let site = &top.sites[top.next_site - 1];
                let done_before = self.resolved.contains(&(entry.prefix, target));
                match visits.get(&target) {
                    _ if done_before => {}
                    Some(Visit::Done) => {}
                    Some(Visit::InProgress) => {
                        let sites = self.includes.get_mut(&(entry.prefix, top.file));
                        if let Some((_, list)) = sites.and_then(|s| s.last_mut()) {
                            list.retain(|&t| t != target);
                        }
                        let message = format!(
                            "include cycle: \"{}\" includes \"{}\", which is already being read",
                            self.files[top.file.0 as usize].path.display(),
                            self.files[target.0 as usize].path.display()
                        );
                        self.diagnostics.push(LoadDiagnostic {
                            kind: LoadDiagnosticKind::IncludeCycle,
                            file: top.file,
                            prefix: entry.prefix,
                            span: site.span,
                            message,
                        });
                    }
                    None => {
                        visits.insert(target, Visit::InProgress);
                        let sites = include_sites(self.file(target));
                        stack.push(Frame {
                            file: target,
                            sites,
                            next_site: 0,
                            pending: Vec::new(),
                        });
                    }
                }
                continue;
            }
            if top.next_site == top.sites.len() {
                visits.insert(top.file, Visit::Done);
                self.resolved.insert((entry.prefix, top.file));
                stack.pop();
                continue;
            }
            let file = top.file;
            let site_index = top.next_site;
            top.next_site += 1;
            let (span, start, pattern, mode) = {
                let site = &stack.last().expect("frame").sites[site_index];
                (site.span, site.start, site.pattern.clone(), site.mode)
            };
            let targets = self.resolve(entry.prefix, file, span, &pattern, mode);
            self.includes
                .entry((entry.prefix, file))
                .or_default()
                .push((start, targets.clone()));
            let top = stack.last_mut().expect("frame");
            top.pending = targets.into_iter().rev().collect();
        }
    }

    /// Resolves one include pattern to loaded files, recording E002 for an
    /// explicit file that cannot be opened.
    fn resolve(
        &mut self,
        prefix: PrefixId,
        file: FileId,
        span: Span,
        pattern: &str,
        mode: ParseMode,
    ) -> Vec<FileId> {
        let full = self.prefixes[prefix.0 as usize].join(pattern);
        let paths = match (&self.virtual_files, glob::has_magic(pattern.as_bytes())) {
            (Some(files), true) => glob::filter(&normalize(&full), files.keys()),
            (None, true) => glob::expand(&full),
            (_, false) => vec![full],
        };
        let mut targets = Vec::with_capacity(paths.len());
        for path in paths {
            // Resolved only when there is a root to compare with (four
            // system calls per included file).
            let outside_root = self.root.as_ref().filter(|root| {
                std::fs::canonicalize(&path).is_ok_and(|canonical| !canonical.starts_with(root))
            });
            if let Some(root) = outside_root {
                self.diagnostics.push(LoadDiagnostic {
                    kind: LoadDiagnosticKind::IncludeNotFound,
                    file,
                    prefix,
                    span,
                    message: format!(
                        "include \"{}\" not read: it is outside the repository root {} (--no-external-includes)",
                        path.display(),
                        root.display()
                    ),
                });
                continue;
            }
            match self.load_file(&path, mode, None) {
                Ok(id) => targets.push(id),
                Err(err) => {
                    let reason = match err.kind() {
                        io::ErrorKind::NotFound => "2: No such file or directory".to_string(),
                        io::ErrorKind::PermissionDenied => "13: Permission denied".to_string(),
                        _ => err.to_string(),
                    };
                    self.diagnostics.push(LoadDiagnostic {
                        kind: LoadDiagnosticKind::IncludeNotFound,
                        file,
                        prefix,
                        span,
                        message: format!("open() \"{}\" failed ({reason})", path.display()),
                    });
                }
            }
        }
        targets
    }
}

/// The `include` directives of a file, at any depth (including inside `map`
/// and `types` blocks, whose handlers also accept `include`), as the parser
/// noted them.
fn include_sites(file: &SourceFile) -> Vec<IncludeSite> {
    file.includes
        .iter()
        .map(|at| IncludeSite {
            start: at.span.start,
            span: at.span,
            pattern: file
                .words
                .get(at.arg as usize)
                .map_or_else(String::new, |w| file.value(w).to_string()),
            mode: at.mode,
        })
        .collect()
}

/// A path with `.` and `..` resolved lexically (for paths from an
/// `nginx -T` dump, which name files that need not exist here).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{BlockKind, Node};

    type Site = (Span, String, ParseMode);

    /// The walk of the tree that the parser's notes replace.
    fn walked_sites(file: &SourceFile) -> Vec<Site> {
        let mut sites = Vec::new();
        let mut stack: Vec<(std::slice::Iter<Node>, ParseMode)> =
            vec![(file.items().iter(), file.mode)];
        while let Some((iter, mode)) = stack.last_mut() {
            let mode = *mode;
            let Some(node) = iter.next() else {
                stack.pop();
                continue;
            };
            let Node::Directive(d) = node else { continue };
            if file.name(d) == "include" && d.args.len() == 1 && d.block.is_none() {
                sites.push((d.span, file.value(&file.args(d)[0]).to_string(), mode));
            }
            if let Some(block) = file.block(d) {
                let child_mode = match block.kind {
                    BlockKind::Values => ParseMode::Values,
                    BlockKind::Directives => ParseMode::Directives,
                    BlockKind::Lua => continue,
                };
                stack.push((file.block_items(block).iter(), child_mode));
            }
        }
        sites
    }

    fn noted_sites(file: &SourceFile) -> Vec<Site> {
        include_sites(file)
            .into_iter()
            .map(|s| {
                assert_eq!(s.start, s.span.start);
                (s.span, s.pattern, s.mode)
            })
            .collect()
    }

    #[test]
    fn parser_notes_the_includes_a_walk_of_the_tree_finds() {
        let texts: &[&str] = &[
            "include a.conf;\nhttp { include b/*.conf; server { include c; } }",
            "map $a $b { default 0; include keys.map; }\ntypes { include mime.types; }",
            // Nameless blocks give their items to the enclosing block.
            "map $a $b { { include x; } }\n{ include y; }\nhttp { { { include z; } } }",
            // Cut off by `}` and by the end of the file.
            "http { include cut }\ninclude end",
            // Not followed: no argument, two, a block; a quoted or escaped name.
            "include;\ninclude a b;\ninclude a { x; }\n\"include\" q;\ninc\\lude e;\n'include' s;",
            "content_by_lua_block { include lua; }\ninclude after_lua;",
            "include \"quoted path.conf\";\ninclude 'a\\'b';\n# include comment;\n",
        ];
        let mut compared = 0;
        for text in texts {
            for mode in [ParseMode::Directives, ParseMode::Values] {
                let file = SourceFile::parse_with_mode("t.conf", text.as_bytes().to_vec(), mode);
                assert_eq!(
                    noted_sites(&file),
                    walked_sites(&file),
                    "{text:?} in {mode:?}"
                );
                compared += 1;
            }
        }
        let (paths, with_corpus) = crate::test_files::fixture_and_corpus_files();
        let (minimum, minimum_with_includes) = if with_corpus { (200, 10) } else { (50, 3) };
        let mut with_includes = 0;
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let file = SourceFile::parse(&path, bytes);
            let walked = walked_sites(&file);
            assert_eq!(noted_sites(&file), walked, "{}", path.display());
            with_includes += usize::from(!walked.is_empty());
            compared += 1;
        }
        assert!(compared >= minimum, "only {compared} files compared");
        assert!(
            with_includes >= minimum_with_includes,
            "only {with_includes} files with includes"
        );
    }
}
