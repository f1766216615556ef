//! The proxy settings nginx really applies to a location, merged across the
//! http → server → location (→ nested location → `if`) levels the way the
//! modules' merge functions do (reference §3):
//!
//! * scalars (`proxy_http_version`, `proxy_*_timeout`, `resolver`) come from
//!   the innermost level that sets them, else nginx's default;
//! * `proxy_set_header` is an array: the innermost level with *any*
//!   `proxy_set_header` supplies the whole list, outer lists are discarded
//!   (`ngx_conf_merge_ptr_value(conf->headers_source, prev->headers_source)`);
//! * `proxy_pass` belongs to its location; only `if` and `limit_except`
//!   blocks take the enclosing location's (`ngx_http_proxy_merge_loc_conf`,
//!   `clcf->noname`).
//!
//! Included files are part of the block that includes them (the model
//! expands them in place), so settings from a shared `proxy.conf` count.

use nginx_wslint_parser::Context;

use crate::model::time::parse_msec;
use crate::model::version::Version;
use crate::model::{BlockId, DirRef, Model};

/// A setting's value and the directive it comes from (`None`: nginx's
/// default applies).
#[derive(Debug, Clone, Copy)]
pub struct Setting<'a, T> {
    pub value: T,
    pub source: Option<DirRef<'a>>,
}

/// One `proxy_set_header NAME VALUE`.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub directive: DirRef<'a>,
}

impl Header<'_> {
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// A level's `proxy_set_header` list: a range of the model's index of them,
/// read with [`Model::headers`]. A range, not a copy: every location that
/// passes requests on has two such lists (at 100 MB of input, copies took
/// about 20 MB and two allocations per location).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeaderList {
    start: u32,
    len: u32,
}

impl HeaderList {
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    pub fn len(self) -> usize {
        self.len as usize
    }
}

/// The `*_pass` directives.
pub const PASS_DIRECTIVES: &[&str] = &[
    "proxy_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "grpc_pass",
    "memcached_pass",
];

/// nginx's default for `proxy_read_timeout` and `proxy_send_timeout`.
pub const DEFAULT_PROXY_TIMEOUT_MS: u64 = 60_000;

#[derive(Debug, Clone)]
pub struct ProxySettings<'a> {
    /// The level whose `proxy_set_header` list applies (`None`: no level
    /// sets any, only nginx's defaults are sent).
    pub headers_level: Option<BlockId>,
    /// The headers the user configured, as nginx sends them (defaults for
    /// names not in this list are added by nginx); read with
    /// [`Model::headers`].
    pub headers: HeaderList,
    /// The list of the next level outwards that sets any: what this block
    /// would have inherited and silently discards.
    pub discarded: HeaderList,
    pub discarded_level: Option<BlockId>,
    /// `proxy_http_version`: "1.0", "1.1" or "2".
    pub http_version: Setting<'a, &'a str>,
    /// Timeouts in milliseconds; `None` for a value nginx rejects.
    pub read_timeout: Setting<'a, Option<u64>>,
    pub send_timeout: Setting<'a, Option<u64>>,
    pub resolver: Option<DirRef<'a>>,
    /// The `*_pass` directive that handles requests here.
    pub pass: Option<DirRef<'a>>,
    /// An `include` on one of the levels could not be read (or matched no
    /// file): settings may come from it, so absent ones are not certain.
    pub incomplete: bool,
}

/// The directives whose innermost occurrence [`LevelFacts`] records.
const TRACKED: [&str; 6] = [
    "proxy_set_header",
    "proxy_http_version",
    "proxy_read_timeout",
    "proxy_send_timeout",
    "resolver",
    "add_header",
];
const HEADERS_SLOT: usize = 0;

/// What one level (block) sets, noted by [`Model::build`] as it places the
/// block's items.
#[derive(Debug, Default)]
pub(crate) struct LevelFacts {
    /// Item index of the last directive of each [`TRACKED`] name.
    last: [Index; TRACKED.len()],
    /// Item index of the last `*_pass` handler ([`PASS_DIRECTIVES`]).
    last_pass: Index,
    /// Where the block's `proxy_set_header`s start in the everywhere index
    /// (a position in that list, not an item index).
    pub(crate) headers_at: Index,
    /// An `include` that pulled in no file.
    pub(crate) unread_include: bool,
}

/// An index or none: half the size of an `Option<u32>`, for a record kept
/// per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Index(pub(crate) u32);

impl Index {
    const NONE: Index = Index(u32::MAX);

    fn get(self) -> Option<u32> {
        (self != Index::NONE).then_some(self.0)
    }
}

impl Default for Index {
    fn default() -> Index {
        Index::NONE
    }
}

impl LevelFacts {
    /// Notes the directive `name` placed at item `index` of the block.
    pub(crate) fn note(&mut self, name: &str, index: u32) {
        // u32::MAX items in one block cannot be placed: MAX_ITEMS stops
        // the model long before.
        if let Some(slot) = TRACKED.iter().position(|&t| t == name) {
            self.last[slot] = Index(index);
        }
        if PASS_DIRECTIVES.contains(&name) {
            self.last_pass = Index(index);
        }
    }
}

/// Contexts whose proxy settings merge into a location's.
fn is_http_level(context: Context) -> bool {
    matches!(
        context,
        Context::Http | Context::Server | Context::Location | Context::If | Context::LimitExcept
    )
}

impl<'a> Model<'a> {
    /// The levels a block's settings merge from, innermost first: the block
    /// and its ancestors up to (and including) `http`.
    pub fn http_levels(&self, block: BlockId) -> impl Iterator<Item = BlockId> + use<'_, 'a> {
        self.ancestry(block)
            .take_while(|b| is_http_level(self.block(*b).context))
    }

    /// Whether `level` directly holds a directive named `name`, for the
    /// names each level notes as it is built (the inherited proxy settings
    /// and `add_header`); `None` for other names.
    pub fn has_directive(&self, level: BlockId, name: &str) -> Option<bool> {
        let slot = TRACKED.iter().position(|&t| t == name)?;
        Some(self.level_facts(level).last[slot].get().is_some())
    }

    /// The innermost directive named `name` on the levels of `block`.
    pub fn inherited(&self, block: BlockId, name: &str) -> Option<DirRef<'a>> {
        match TRACKED.iter().position(|&t| t == name) {
            Some(slot) => self.http_levels(block).find_map(|level| {
                self.item_directive(level, self.level_facts(level).last[slot].get()?)
            }),
            None => self
                .http_levels(block)
                .find_map(|level| self.directives_named(level, name).last()),
        }
    }

    fn level_facts(&self, block: BlockId) -> &LevelFacts {
        &self.level_facts[block.0 as usize]
    }

    /// The `proxy_set_header` list of `level`, read from the everywhere
    /// index (which has their values at hand) rather than from the level's
    /// items, whose names would all have to be read.
    fn headers_of(&self, level: BlockId) -> HeaderList {
        let Some(start) = self.level_facts(level).headers_at.get() else {
            return HeaderList::default();
        };
        let len = self.everywhere[super::EVERYWHERE_HEADERS][start as usize..]
            .iter()
            .take_while(|found| found.block == level)
            .count();
        HeaderList {
            start,
            len: len as u32,
        }
    }

    /// The headers of a list, in order.
    pub fn headers(
        &self,
        list: HeaderList,
    ) -> impl ExactSizeIterator<Item = Header<'a>> + Clone + '_ {
        let start = list.start as usize;
        self.everywhere[super::EVERYWHERE_HEADERS][start..start + list.len()]
            .iter()
            .map(|found| Header {
                name: found.args[0].unwrap_or(""),
                value: found.args[1].unwrap_or(""),
                directive: found.directive,
            })
    }

    /// The proxy settings in effect in `block` (a location, `if`, server or
    /// http block) for nginx `target`.
    pub fn proxy_settings(&self, block: BlockId, target: Version) -> ProxySettings<'a> {
        let mut with_headers = self
            .http_levels(block)
            .filter(|&l| self.level_facts(l).last[HEADERS_SLOT].get().is_some());
        let headers_level = with_headers.next();
        let discarded_level = with_headers.next();
        let http_version = match self.inherited(block, "proxy_http_version") {
            Some(d) => Setting {
                value: self.arg(d, 0).unwrap_or(""),
                source: Some(d),
            },
            None => Setting {
                value: target.proxy_http_version_default(),
                source: None,
            },
        };
        let timeout = |name: &str| match self.inherited(block, name) {
            Some(d) => Setting {
                value: self.arg(d, 0).and_then(|v| parse_msec(v).ok()),
                source: Some(d),
            },
            None => Setting {
                value: Some(DEFAULT_PROXY_TIMEOUT_MS),
                source: None,
            },
        };
        let pass = self.pass(block);
        ProxySettings {
            headers_level,
            headers: headers_level
                .map(|l| self.headers_of(l))
                .unwrap_or_default(),
            discarded: discarded_level
                .map(|l| self.headers_of(l))
                .unwrap_or_default(),
            discarded_level,
            http_version,
            read_timeout: timeout("proxy_read_timeout"),
            send_timeout: timeout("proxy_send_timeout"),
            resolver: self.inherited(block, "resolver"),
            pass,
            incomplete: self.http_levels(block).any(|l| self.has_unread_include(l)),
        }
    }

    /// The last `*_pass` handler directly in `block`.
    pub fn own_pass(&self, block: BlockId) -> Option<DirRef<'a>> {
        self.item_directive(block, self.level_facts(block).last_pass.get()?)
    }

    /// The handler of `block`: its own last `*_pass`, or for `if` and
    /// `limit_except` the enclosing location's. Cheaper than
    /// [`proxy_settings`](Self::proxy_settings), which includes it.
    pub fn pass(&self, block: BlockId) -> Option<DirRef<'a>> {
        self.ancestry(block)
            .find_map(|b| match (self.own_pass(b), self.block(b).context) {
                (Some(d), _) => Some(Some(d)),
                (None, Context::If | Context::LimitExcept) => None,
                (None, _) => Some(None),
            })
            .flatten()
    }

    /// Whether a block has an `include` that pulled in no file.
    pub fn has_unread_include(&self, block: BlockId) -> bool {
        self.level_facts(block).unread_include
    }

    /// Every location block (including nested ones), in file order.
    pub fn locations(&self) -> impl Iterator<Item = BlockId> + '_ {
        self.all_blocks()
            .filter(move |&b| self.block(b).context == Context::Location)
    }
}
