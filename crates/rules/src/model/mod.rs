//! The configuration as nginx assembles it: one tree of blocks in which
//! `include`d files are expanded where they are included, so a file
//! included from several places appears in each.

pub mod directives;
pub mod effective;
pub mod time;
pub mod upstream;
pub mod variables;
pub mod version;

use std::borrow::Cow;

use crate::fast_hash::FastMap;
use crate::routing::location::{location_in, Modifier};
use nginx_wslint_parser::{
    BlockKind, ConfigSet, Context, Directive, Entry, FileId, Node, SourceFile, Span,
};

/// Index of a block in [`Model::blocks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// A directive and the file it was read from.
#[derive(Debug, Clone, Copy)]
pub struct DirRef<'a> {
    pub file: FileId,
    pub directive: &'a Directive,
}

impl DirRef<'_> {
    pub fn span(&self) -> Span {
        self.directive.span
    }
}

/// One element of a block, in nginx's reading order.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Directive(DirRef<'a>),
    Block(BlockId),
}

#[derive(Debug)]
pub struct BlockData<'a> {
    pub context: Context,
    /// The directive that opens the block (`None` for the top level).
    pub header: Option<DirRef<'a>>,
    /// The header's name (`""` for the top level), kept here because passes
    /// over every block ask for it: reading it from the directive would
    /// touch each block's directive.
    pub name: &'a str,
    /// For a `location` block, its path ([`Model::location`]); its
    /// modifier is in `location_modifier`. Apart rather than one
    /// `Option<(Modifier, &str)>`, and `parent` as a number, a block takes
    /// 64 bytes instead of 80.
    location_path: &'a str,
    /// `None` for an invalid form and for other blocks than `location`.
    location_modifier: Option<Modifier>,
    /// The enclosing block's number; [`NO_PARENT`] for the top level.
    parent: u32,
    /// Where the block's items are in [`Model::items`]; while the model is
    /// built, where they start in the list of open blocks' items.
    items: ItemRange,
}

/// [`BlockData`]'s `parent` of the top level.
const NO_PARENT: u32 = u32::MAX;

impl BlockData<'_> {
    /// The enclosing block (`None` for the top level).
    pub fn parent(&self) -> Option<BlockId> {
        (self.parent != NO_PARENT).then_some(BlockId(self.parent))
    }
}

/// A list of nodes [`Model::build`] is placing in a block.
struct Placing<'a> {
    block: BlockId,
    /// The file the nodes are from.
    file: FileId,
    /// The nodes still to place.
    nodes: std::slice::Iter<'a, Node>,
    /// Whether the nodes are the block's own rather than an included
    /// file's: the block is complete when they end.
    own: bool,
}

/// A block's items: a range of [`Model::items`].
#[derive(Debug, Clone, Copy, Default)]
struct ItemRange {
    start: u32,
    len: u32,
}

/// Blocks with at most this many items are scanned for a directive name
/// rather than indexed.
const SCANNED_BLOCK_ITEMS: usize = 24;

/// Limits the expansion of include trees (a file included twice by a file
/// included twice ... grows exponentially).
const MAX_ITEMS: usize = 5_000_000;

/// A configuration assembled from one entry file.
pub struct Model<'a> {
    pub config: &'a ConfigSet,
    pub entry: Entry,
    pub blocks: Vec<BlockData<'a>>,
    /// Every block's items, each block's together (a block's are added
    /// when it is complete, so nested blocks come first). One list instead
    /// of one per block: a block costs no allocation of its own.
    items: Vec<Item<'a>>,
    /// True when include expansion stopped at its limit (5 million directives).
    pub truncated: bool,
    /// For blocks with many items, their directives by name (item
    /// indices).
    by_name: FastMap<u32, FastMap<&'a str, Vec<u32>>>,
    /// Per block, the settings `proxy_settings` asks every level for,
    /// noted while building.
    level_facts: Vec<effective::LevelFacts>,
    /// `upstream` blocks by lower-cased name (first wins), noted while
    /// building.
    upstreams: FastMap<Cow<'a, str>, BlockId>,
    /// Where the directives named in [`EVERYWHERE`] are, by its index, in
    /// block then item order.
    everywhere: [Vec<Found<'a>>; EVERYWHERE.len()],
    /// The variables the directives define.
    variables: variables::Variables,
}

/// A directive found by [`Model::everywhere`], with what rules read of
/// it. The directive and its first arguments' values are kept, read while
/// the model is built and they are at hand: read again from the tree,
/// each costs memory reads that in a large configuration miss every cache
/// (its block's items, its word, its text).
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub block: BlockId,
    /// Its position in its block (for the order).
    index: u32,
    pub directive: DirRef<'a>,
    /// The values of its first two arguments, as [`Model::arg`] gives them.
    pub args: [Option<&'a str>; 2],
}

/// The names [`Model::everywhere`] indexes: those rules look for in every
/// block.
const EVERYWHERE: [&str; 5] = [
    "proxy_pass",
    "proxy_set_header",
    "set",
    "proxy_read_timeout",
    "proxy_send_timeout",
];

/// `proxy_set_header`'s place in [`EVERYWHERE`].
const EVERYWHERE_HEADERS: usize = 1;

/// A table of the bytes in `bytes`, for scans that test each byte with
/// one load.
pub(crate) const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// `s` in ASCII lower case, copied only when it has an upper-case letter:
/// names nginx compares case-insensitively (variables, upstreams, URL
/// schemes) are kept lower-cased, and most are written that way.
pub fn ascii_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

impl<'a> Model<'a> {
    pub const ROOT: BlockId = BlockId(0);

    /// Assembles the tree for `entry`, read in `context` (main for a full
    /// `nginx.conf`, http for a `conf.d/` fragment, ...).
    pub fn build(config: &'a ConfigSet, entry: Entry, context: Context) -> Model<'a> {
        // The per-block lists get the loaded files' blocks as capacity at
        // once (more when a file is included twice): growing them copies
        // tens of megabytes in a large configuration, into fresh memory.
        let blocks = 1 + config.files.iter().map(|f| f.block_count()).sum::<usize>();
        // Likewise the item list, with the files' nodes (their directives,
        // and comments, which are few).
        let nodes = config.files.iter().map(|f| f.node_count()).sum::<usize>();
        let mut level_facts = Vec::with_capacity(blocks);
        level_facts.push(effective::LevelFacts::default());
        let mut model = Model {
            config,
            entry,
            blocks: Vec::with_capacity(blocks),
            items: Vec::with_capacity(nodes.min(MAX_ITEMS)),
            truncated: false,
            by_name: FastMap::default(),
            level_facts,
            upstreams: FastMap::default(),
            everywhere: Default::default(),
            variables: variables::Variables::default(),
        };
        model.blocks.push(BlockData {
            context,
            header: None,
            name: "",
            location_path: "",
            location_modifier: None,
            parent: NO_PARENT,
            items: ItemRange::default(),
        });
        // The items of the blocks being filled, innermost block's last;
        // a complete block's move to `model.items`.
        let mut open_items: Vec<Item<'a>> = Vec::new();
        let mut count = 0usize;
        // Explicit stack of the node lists being placed, innermost last.
        let mut stack = vec![Placing {
            block: Model::ROOT,
            file: entry.file,
            nodes: config.file(entry.file).items().iter(),
            own: true,
        }];
        while let Some(top) = stack.last_mut() {
            let (block, file) = (top.block, top.file);
            let Some(node) = top.nodes.next() else {
                if top.own {
                    model.complete(block, &mut open_items);
                }
                stack.pop();
                continue;
            };
            let Node::Directive(d) = node else { continue };
            count += 1;
            if count > MAX_ITEMS {
                model.truncated = true;
                break;
            }
            let source = config.file(file);
            let name = source.name(d);
            let dir = DirRef { file, directive: d };
            // What later passes would read every directive for is noted
            // now, while the directive is at hand: a large configuration's
            // tree does not fit in the caches, and each pass over it costs
            // more in memory reads than in its own work.
            model.variables.add_defined_by(source, d, name);
            if name == "include" && d.block.is_none() {
                open_items.push(Item::Directive(dir));
                let targets = config.included(entry.prefix, file, d.span.start);
                if targets.is_empty() {
                    model.level_facts[block.0 as usize].unread_include = true;
                }
                // Push in reverse so the first included file is read first.
                for &target in targets.iter().rev() {
                    stack.push(Placing {
                        block,
                        file: target,
                        nodes: config.file(target).items().iter(),
                        own: false,
                    });
                }
                continue;
            }
            match source.block(d) {
                Some(b) if b.kind != BlockKind::Lua => {
                    let parent_context = model.blocks[block.0 as usize].context;
                    let id = BlockId(model.blocks.len() as u32);
                    let context = parent_context.child(name);
                    if matches!(context, Context::Upstream | Context::StreamUpstream)
                        && name == "upstream"
                    {
                        // The first block of a name is kept.
                        if let Some(upstream) = source.args(d).first() {
                            let key = ascii_lowercase(source.value(upstream));
                            model.upstreams.entry(key).or_insert(id);
                        }
                    }
                    open_items.push(Item::Block(id));
                    let location = (name == "location")
                        .then(|| location_in(source, d))
                        .flatten();
                    model.blocks.push(BlockData {
                        context,
                        header: Some(dir),
                        name,
                        location_path: location.map_or("", |(_, path)| path),
                        location_modifier: location.map(|(modifier, _)| modifier),
                        parent: block.0,
                        items: ItemRange {
                            start: open_items.len() as u32,
                            len: 0,
                        },
                    });
                    model.level_facts.push(effective::LevelFacts::default());
                    stack.push(Placing {
                        block: id,
                        file,
                        nodes: source.block_items(b).iter(),
                        own: true,
                    });
                }
                _ => {
                    let open_at = model.blocks[block.0 as usize].items.start as usize;
                    let index = (open_items.len() - open_at) as u32;
                    if let Some(slot) = EVERYWHERE.iter().position(|n| *n == name) {
                        let args = source.args(d);
                        let arg = |i: usize| args.get(i).map(|w| source.value(w));
                        model.everywhere[slot].push(Found {
                            block,
                            index,
                            directive: dir,
                            args: [arg(0), arg(1)],
                        });
                    }
                    model.level_facts[block.0 as usize].note(name, index);
                    open_items.push(Item::Directive(dir));
                }
            }
        }
        // Cut short at the limit: the blocks still open end where they are.
        while let Some(placing) = stack.pop() {
            if placing.own {
                model.complete(placing.block, &mut open_items);
            }
        }
        // Blocks are numbered in pre-order, but a block's items after a
        // nested block were placed after the nested block's.
        // Their lengths are known now: grown by doubling, a list can hold
        // twice its records (at 1 MB of input, 2,200 headers in room for
        // 4,096, 0.1 MB). Shrinking a block gives its end back to the heap.
        for list in &mut model.everywhere {
            list.sort_unstable_by_key(|found| (found.block, found.index));
            list.shrink_to_fit();
        }
        // Where each block's `proxy_set_header`s start in their list.
        let headers = &model.everywhere[EVERYWHERE_HEADERS];
        for (position, found) in headers.iter().enumerate() {
            if position == 0 || headers[position - 1].block != found.block {
                model.level_facts[found.block.0 as usize].headers_at =
                    effective::Index(position as u32);
            }
        }
        // Growth left spare capacity; the model lives for the whole check.
        model.blocks.shrink_to_fit();
        model.items.shrink_to_fit();
        model.by_name = model
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.items.len as usize > SCANNED_BLOCK_ITEMS)
            .map(|(i, b)| {
                let mut index: FastMap<&'a str, Vec<u32>> = FastMap::default();
                for (i, item) in model.items_in(b).iter().enumerate() {
                    if let Item::Directive(d) = item {
                        index.entry(model.name(*d)).or_default().push(i as u32);
                    }
                }
                (i as u32, index)
            })
            .collect();
        model.level_facts.shrink_to_fit();
        model
    }

    /// The `upstream` block (http or stream) named `name`, case-insensitive
    /// as nginx compares them.
    pub fn upstream(&self, name: &str) -> Option<BlockId> {
        self.upstreams.get(ascii_lowercase(name).as_ref()).copied()
    }

    pub fn block(&self, id: BlockId) -> &BlockData<'a> {
        &self.blocks[id.0 as usize]
    }

    /// Moves the items of `block`, complete and the innermost open block,
    /// from `open_items` to [`Model::items`].
    fn complete(&mut self, block: BlockId, open_items: &mut Vec<Item<'a>>) {
        let data = &mut self.blocks[block.0 as usize];
        let open_at = data.items.start as usize;
        let start = self.items.len();
        self.items.extend(open_items.drain(open_at..));
        data.items = ItemRange {
            start: start as u32,
            len: (self.items.len() - start) as u32,
        };
    }

    /// A block's items (directives and nested blocks, includes expanded),
    /// in order.
    fn items_in(&self, data: &BlockData<'a>) -> &[Item<'a>] {
        let ItemRange { start, len } = data.items;
        &self.items[start as usize..(start + len) as usize]
    }

    pub fn file(&self, id: FileId) -> &'a SourceFile {
        self.config.file(id)
    }

    /// The name of a directive.
    pub fn name(&self, d: DirRef<'a>) -> &'a str {
        self.config.file(d.file).name(d.directive)
    }

    /// The value of a directive's `i`-th argument.
    pub fn arg(&self, d: DirRef<'a>, i: usize) -> Option<&'a str> {
        let file = self.config.file(d.file);
        file.args(d.directive).get(i).map(|w| file.value(w))
    }

    /// All argument values of a directive.
    pub fn args(&self, d: DirRef<'a>) -> Vec<&'a str> {
        let file = self.config.file(d.file);
        file.arg_values(d.directive).collect()
    }

    /// The directives directly in a block (includes expanded), in order.
    pub fn directives(&self, block: BlockId) -> impl Iterator<Item = DirRef<'a>> + '_ {
        self.items_in(self.block(block))
            .iter()
            .filter_map(|item| match item {
                Item::Directive(d) => Some(*d),
                Item::Block(_) => None,
            })
    }

    /// The directives named `name` directly in a block.
    pub fn directives_named<'m>(
        &'m self,
        block: BlockId,
        name: &'m str,
    ) -> impl Iterator<Item = DirRef<'a>> + 'm {
        let items = self.items_in(self.block(block));
        // Blocks such as `http` hold thousands of directives and rules ask
        // each of them for a few names per location: index them by name
        // once. A small block (most locations) is cheaper to scan.
        let index = (items.len() > SCANNED_BLOCK_ITEMS)
            .then(|| self.by_name.get(&block.0))
            .flatten();
        let (indexed, scanned) = match index {
            Some(index) => (index.get(name).map_or(&[][..], Vec::as_slice), &[][..]),
            None => (&[][..], items),
        };
        let from_index = indexed.iter().map(move |&i| &items[i as usize]);
        from_index
            .chain(scanned)
            .filter_map(move |item| match item {
                Item::Directive(d) if self.name(*d) == name => Some(*d),
                _ => None,
            })
    }

    /// Every directive named `name`, with its block, in the order of
    /// [`all_blocks`](Model::all_blocks) then [`directives`](Model::directives).
    /// The names rules judge wherever they are (`proxy_pass`,
    /// `proxy_set_header`, `set`, `proxy_read_timeout`, `proxy_send_timeout`)
    /// are indexed while the model is built; any other name is one scan.
    pub fn everywhere(&self, name: &str) -> Cow<'_, [Found<'a>]> {
        let Some(slot) = EVERYWHERE.iter().position(|n| *n == name) else {
            // Not indexed: one scan.
            return Cow::Owned(
                self.all_blocks()
                    .flat_map(|b| {
                        self.directives(b)
                            .enumerate()
                            .map(move |(index, d)| (b, index, d))
                    })
                    .filter(|(_, _, d)| self.name(*d) == name)
                    .map(|(block, index, directive)| Found {
                        block,
                        index: index as u32,
                        directive,
                        args: [self.arg(directive, 0), self.arg(directive, 1)],
                    })
                    .collect(),
            );
        };
        Cow::Borrowed(&self.everywhere[slot])
    }

    /// The directive at item `index` of `block` (`None` for a nested block).
    fn item_directive(&self, block: BlockId, index: u32) -> Option<DirRef<'a>> {
        match self.items_in(self.block(block)).get(index as usize)? {
            Item::Directive(d) => Some(*d),
            Item::Block(_) => None,
        }
    }

    /// The variables the configuration defines (built-in ones aside).
    pub fn variables(&self) -> &variables::Variables {
        &self.variables
    }

    /// The child blocks of a block, in order.
    pub fn children(&self, block: BlockId) -> impl Iterator<Item = BlockId> + '_ {
        self.items_in(self.block(block))
            .iter()
            .filter_map(|item| match item {
                Item::Block(b) => Some(*b),
                Item::Directive(_) => None,
            })
    }

    /// Every block, depth first in file order, with the root first.
    pub fn all_blocks(&self) -> impl Iterator<Item = BlockId> + '_ {
        (0..self.blocks.len() as u32).map(BlockId)
    }

    /// The block and its ancestors, innermost first.
    pub fn ancestry(&self, block: BlockId) -> impl Iterator<Item = BlockId> + '_ {
        std::iter::successors(Some(block), move |b| self.block(*b).parent())
    }

    /// A `location` block's modifier and path (`None` for an invalid form
    /// and for other blocks).
    pub fn location(&self, block: BlockId) -> Option<(Modifier, &'a str)> {
        let data = self.block(block);
        data.location_modifier
            .map(|modifier| (modifier, data.location_path))
    }

    /// The name of the directive that opens a block (`""` for the root).
    pub fn block_name(&self, block: BlockId) -> &'a str {
        self.block(block).name
    }

    /// 1-based line of a directive.
    pub fn line(&self, d: DirRef<'a>) -> u32 {
        self.file(d.file).line_of(d.directive)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_block_takes_64_bytes() {
        // Every block of a configuration has one; at 100 MB of input,
        // 590,000 of them.
        assert_eq!(std::mem::size_of::<super::BlockData>(), 64);
    }
}
