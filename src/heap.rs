//! Huge pages for the heap.
//!
//! A large configuration's tree is built once, touched page by page, and
//! kept to the end: with 4 KiB pages the kernel takes one page fault per
//! 4 KiB of it (at 10 MB of input, about 17,000 faults and a sixth of the
//! run). glibc asks for transparent huge pages only when told to
//! (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`); [`HugePageHeap`] does the same
//! from inside: after [`prefer_huge_pages`], the main heap grows in steps of
//! 256 MiB and each new step is advised `MADV_HUGEPAGE`, and the blocks
//! placed from then on start at a 2 MiB boundary (unused filler blocks take
//! the rest of the heap's first, partial 2 MiB range). At 10 MB of input
//! that makes a check about a sixth faster, at 100 MB a seventh, for 5-8%
//! more peak memory (whole huge pages at the heap's top). Where transparent
//! huge pages are off, the advice is ignored.
//!
//! Blocks glibc serves from mappings of their own stay there: moving them
//! to the heap as well cost more in copies when they grow than huge pages
//! saved. (glibc maps a block of 128 KiB or more on its own only when the
//! heap's free top cannot hold it: with 256 MiB steps, a check of 10 MB
//! maps none, one of 100 MB about 120 MB.) Those of 2 MiB and more (the large
//! lists: every location's analysis, the everywhere index, ...) have their
//! mapping advised as well, which growth by `mremap` keeps: at 100 MB of
//! input they were 120 MB in 4 KiB pages and three quarters of the page
//! faults.

use std::alloc::{GlobalAlloc, Layout, System};

/// The global allocator: the system's, watching the heap's end.
pub struct HugePageHeap;

// SAFETY: every call is the system allocator's; the check after it only
// advises the kernel about pages the heap already owns.
unsafe impl GlobalAlloc for HugePageHeap {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        imp::after_allocation(p, layout.size());
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        imp::after_allocation(p, layout.size());
        p
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        imp::after_allocation(p, new_size);
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

pub use imp::prefer_huge_pages;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How far the heap grows at once (address space; memory is used as it
    /// is touched). Huge pages need the heap to reach past the 2 MiB range a
    /// fault is in, so it cannot grow in glibc's 128 KiB steps; and glibc
    /// writes into each new step before it can be advised, so the first
    /// 2 MiB of every step stay in 4 KiB pages: few steps, few such faults
    /// (at 100 MB of input 3,600 instead of 6,900 with 64 MiB steps).
    const HEAP_STEP: usize = 256 << 20;
    const HUGE_PAGE: usize = 2 << 20;
    /// How close to the advised end a block must reach to be looked at.
    const WATCHED_TAIL: usize = HUGE_PAGE;

    /// The end of the advised part of the heap; 0 until
    /// [`prefer_huge_pages`].
    static ADVISED_END: AtomicUsize = AtomicUsize::new(0);

    /// Grows the main heap in [`HEAP_STEP`]s advised for huge pages from now
    /// on.
    pub fn prefer_huge_pages() {
        // SAFETY: mallopt and sbrk(0) only set and read the allocator's
        // parameters.
        let start = unsafe {
            libc::mallopt(libc::M_TOP_PAD, HEAP_STEP as i32);
            libc::mallopt(libc::M_TRIM_THRESHOLD, (2 * HEAP_STEP) as i32);
            libc::sbrk(0) as usize
        };
        if start == usize::MAX {
            return;
        }
        // The first boundary with room for a filler block and a last one
        // before it.
        let boundary = (start + FILLER + LEAST_FILLER).next_multiple_of(HUGE_PAGE);
        ADVISED_END.store(boundary, Ordering::Relaxed);
        fill_heap_up_to(boundary);
    }

    /// Blocks that fill the heap up to `boundary` (below glibc's mmap
    /// threshold of 128 KiB, so they come from the heap).
    const FILLER: usize = 120 << 10;
    /// The chunk a whole filler takes: its block and the header after it.
    const FILLER_CHUNK: usize = FILLER + CHUNK_HEADER;
    /// The least a filler takes. glibc serves a block from a free one of its
    /// size (or larger) before it carves one from the top, and small free
    /// blocks are common by the time this runs (a test harness's, say): a
    /// last filler of a few hundred bytes came from one in 1 of 10 runs and
    /// the fill stopped short of the boundary.
    const LEAST_FILLER: usize = 60 << 10;
    /// glibc's chunk header: the previous chunk's size and this one's.
    const CHUNK_HEADER: usize = 16;

    /// Takes the heap from its current top up to `boundary` with blocks that
    /// are never used, so the configuration's blocks start at the boundary,
    /// in advised memory. The heap starts at a random address, and the
    /// rest of its first 2 MiB range cannot be a huge page (part of the
    /// range lies outside the heap): left to ordinary blocks, it is written
    /// 4 KiB page by 4 KiB page, 0 to 512 page faults by chance (at 1 MB of
    /// input a check took 8.4 ms with them, 7.9 ms without, with half the
    /// page faults and no spread). The fillers cost address space and the
    /// page each header is on. Relies on glibc carving blocks that do not
    /// fit a free one from the top of the heap, one after another; where
    /// that does not hold it stops.
    fn fill_heap_up_to(boundary: usize) {
        let mut top = None;
        loop {
            let chunk = match top {
                // The last filler ends where the next block's header goes.
                Some(top) => filler_chunk(boundary - CHUNK_HEADER - top),
                None => FILLER_CHUNK,
            };
            if chunk < 2 * CHUNK_HEADER {
                return;
            }
            // A chunk holds its block and the next chunk's size word.
            let size = chunk - CHUNK_HEADER / 2;
            // SAFETY: a plain allocation, kept for the life of the process.
            let p = unsafe { libc::malloc(size) } as usize;
            if p == 0 {
                return;
            }
            // Growing the heap for this block advises the new part, before
            // any block is placed past the boundary.
            after_allocation(p as *mut u8, size);
            let chunk = size_word(p as *mut u8) & !SIZE_FLAGS;
            let next = p - CHUNK_HEADER + chunk;
            // Not carved from the top (stop), or the boundary reached.
            if top.is_some_and(|top| p != top + CHUNK_HEADER) || next >= boundary - CHUNK_HEADER {
                return;
            }
            top = Some(next);
        }
    }

    /// The size of the next filler's chunk when `left` bytes of chunks
    /// remain to be taken (at least [`LEAST_FILLER`]): a whole filler, or
    /// all that is left, or half of it where a whole filler would leave
    /// less than the least.
    pub(super) fn filler_chunk(left: usize) -> usize {
        if left <= FILLER_CHUNK {
            left
        } else if left < FILLER_CHUNK + LEAST_FILLER {
            (left / 2).next_multiple_of(CHUNK_HEADER)
        } else {
            FILLER_CHUNK
        }
    }

    /// Advises the part of the heap added since the last call, and the
    /// mapping of a large block `p` of `size` bytes outside the heap.
    #[inline]
    pub fn after_allocation(p: *mut u8, size: usize) {
        let advised = ADVISED_END.load(Ordering::Relaxed);
        if !worth_a_look(p as usize, size, advised) {
            return;
        }
        // SAFETY: sbrk(0) reads the current end of the heap.
        let end = unsafe { libc::sbrk(0) } as usize;
        if end > advised && end != usize::MAX {
            advise(advised, end);
        }
        if size >= HUGE_PAGE && !p.is_null() && is_mapped_on_its_own(p) {
            advise_mapping(p as usize, size);
        }
    }

    /// Whether to look for heap growth after the block at `p` of `size`
    /// bytes, `advised` being the advised end (0: not preferring huge
    /// pages). glibc grows the heap for a block that does not fit, so most
    /// blocks, deep inside the advised part, need no look; those in its
    /// last 2 MiB do. Not only those reaching past it: glibc writes the
    /// next chunk's header after a block it carves, before the block is
    /// returned, and a page written past the advised end before the advice
    /// keeps its 2 MiB in 4 KiB pages (at 1 MB of input, twice the page
    /// faults). Blocks glibc maps on their own lie above the heap and are
    /// looked at.
    #[inline]
    pub(super) fn worth_a_look(p: usize, size: usize, advised: usize) -> bool {
        advised != 0 && p.saturating_add(size).saturating_add(WATCHED_TAIL) > advised
    }

    /// The flag bits of a chunk's size word (its size is a multiple of 8).
    const SIZE_FLAGS: usize = 7;

    /// The size word in front of block `p`: its chunk's size and flags.
    #[inline]
    fn size_word(p: *mut u8) -> usize {
        // SAFETY: every block glibc's malloc returns is preceded by its
        // chunk's size word, which the allocator owns and never unmaps
        // while the block is live.
        unsafe { p.cast::<usize>().sub(1).read() }
    }

    /// Whether glibc gave block `p` a mapping of its own: the
    /// `IS_MMAPPED` bit of its size word.
    #[inline]
    fn is_mapped_on_its_own(p: *mut u8) -> bool {
        const IS_MMAPPED: usize = 2;
        size_word(p) & IS_MMAPPED != 0
    }

    /// Advises the pages of a block glibc mapped on its own (its whole
    /// mapping, from the page its header is on), so the mapping is not
    /// split and keeps the advice when `mremap` grows it.
    #[cold]
    fn advise_mapping(at: usize, size: usize) {
        // Where pages are larger, the start is not aligned and the advice
        // fails harmlessly.
        const PAGE: usize = 4096;
        let from = at - at % PAGE;
        let to = (at + size).next_multiple_of(PAGE);
        // SAFETY: [from, to) lies in the mapping that holds the block (its
        // header starts the mapping, and the mapping is whole pages);
        // MADV_HUGEPAGE changes how the kernel backs it, not its contents.
        unsafe {
            libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
        }
    }

    #[cold]
    pub(super) fn advise(from: usize, end: usize) {
        // Another thread may have advised the range meanwhile; advising
        // twice is harmless.
        ADVISED_END.fetch_max(end, Ordering::Relaxed);
        // SAFETY: [from, end) is heap the allocator owns; MADV_HUGEPAGE
        // changes how the kernel backs it, not its contents.
        unsafe {
            libc::madvise(from as *mut libc::c_void, end - from, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn prefer_huge_pages() {}

    #[inline]
    pub fn after_allocation(_p: *mut u8, _size: usize) {}
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// The `VmFlags` of the mapping of `/proc/self/smaps` that holds `addr`.
    fn vm_flags(addr: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                    {
                        inside = (lo..hi).contains(&addr);
                        continue;
                    }
                }
            }
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                if inside {
                    return flags.trim().to_string();
                }
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    /// Run by [`a_fresh_heap_places_blocks_from_a_huge_page_boundary`] in a
    /// process of its own whose threads share glibc's main heap
    /// (`MALLOC_ARENA_MAX=1`): test threads otherwise get heaps of their
    /// own, mapped apart from the main heap this module manages.
    #[test]
    #[ignore = "run in a process of its own by a_fresh_heap_places_blocks_from_a_huge_page_boundary"]
    fn in_a_fresh_process_blocks_start_at_a_huge_page_boundary() {
        // SAFETY: sbrk(0) reads the end of the heap.
        let end = unsafe { libc::sbrk(0) } as usize;
        prefer_huge_pages();
        // Too large for glibc's lists of small free blocks, too small for a
        // mapping of its own: from the top of the heap.
        let block = std::hint::black_box(vec![1u8; 126 << 10]);
        let at = block.as_ptr() as usize;
        assert!(at > end, "{at:#x} is not past the heap's end {end:#x}");
        assert_eq!(at % (2 << 20), 0, "{at:#x} is not at a 2 MiB boundary");
        let flags = vm_flags(at);
        assert!(flags.split(' ').any(|f| f == "hg"), "VmFlags: {flags}");
    }

    #[test]
    fn a_fresh_heap_places_blocks_from_a_huge_page_boundary() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            eprintln!("notice: the kernel has no transparent huge pages; skipped");
            return;
        }
        let name = "heap::tests::in_a_fresh_process_blocks_start_at_a_huge_page_boundary";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--ignored", "--test-threads=1"])
            .env("MALLOC_ARENA_MAX", "1")
            .output()
            .unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{report}");
        assert!(report.contains("1 passed"), "{report}");
    }

    #[test]
    fn only_blocks_reaching_past_the_advised_heap_are_looked_at() {
        use super::imp::worth_a_look;
        const END: usize = 0x4000_0000;
        const MIB: usize = 1 << 20;
        // Not preferring huge pages: nothing to look at.
        assert!(!worth_a_look(END + 4096, 64, 0));
        // Deep inside the advised heap.
        assert!(!worth_a_look(END - 3 * MIB, 64, END));
        assert!(!worth_a_look(END - 2 * MIB - 64, 64, END));
        // In its last 2 MiB, or reaching past it: the heap may have grown.
        assert!(worth_a_look(END - 2 * MIB, 64, END));
        assert!(worth_a_look(END - 100, 64, END));
        assert!(worth_a_look(END - 64, 128, END));
        // A block mapped on its own, above the heap.
        assert!(worth_a_look(0x7f00_0000_0000, 2 << 20, END));
        assert!(worth_a_look(usize::MAX - 8, 64, END));
    }

    #[test]
    fn fillers_take_the_heap_to_the_boundary_in_chunks_too_large_for_free_blocks() {
        use super::imp::filler_chunk;
        for left in (60 << 10..(2 << 20) + (64 << 10)).step_by(16 * 7) {
            let (mut rest, mut chunks) = (left, Vec::new());
            while rest > 0 {
                let chunk = filler_chunk(rest);
                chunks.push(chunk);
                rest -= chunk;
            }
            assert!(
                chunks
                    .iter()
                    .all(|&c| (60 << 10..=(120 << 10) + 16).contains(&c) && c % 16 == 0),
                "{left}: {chunks:?}"
            );
        }
    }

    #[test]
    // One test: what it checks depends on whether `prefer_huge_pages` ran.
    fn heap_growth_and_large_blocks_are_advised_for_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            eprintln!("notice: the kernel has no transparent huge pages; skipped");
            return;
        }
        // Heap grown before: left alone.
        // SAFETY: the grown ranges are only looked at, never written.
        let before = unsafe { libc::sbrk(8 << 20) } as usize;
        assert_ne!(before, usize::MAX, "sbrk failed");
        let _allocation = std::hint::black_box(Box::new([0u8; 100]));
        assert!(!vm_flags(before + (4 << 20)).split(' ').any(|f| f == "hg"));
        // Heap grown after: advised once the allocator next runs.
        prefer_huge_pages();
        let after = unsafe { libc::sbrk(8 << 20) } as usize;
        assert_ne!(after, usize::MAX, "sbrk failed");
        let _allocation = std::hint::black_box(Box::new([0u8; 100]));
        let flags = vm_flags(after + (4 << 20));
        assert!(flags.split(' ').any(|f| f == "hg"), "VmFlags: {flags}");

        // A large block: far above glibc's mmap threshold (its dynamic
        // adjustment caps it at 32 MiB), so it gets a mapping of its own.
        let layout = Layout::from_size_align(64 << 20, 8).unwrap();
        // SAFETY: a valid layout; the block is freed below.
        let p = unsafe { HugePageHeap.alloc(layout) };
        assert!(!p.is_null());
        let flags = vm_flags(p as usize + (32 << 20));
        // Grown by `mremap`: still advised.
        // SAFETY: `p` is live, allocated with `layout`.
        let q = unsafe { HugePageHeap.realloc(p, layout, 128 << 20) };
        assert!(!q.is_null());
        let grown = vm_flags(q as usize + (96 << 20));
        // SAFETY: `q` is live, of 128 MiB.
        unsafe { HugePageHeap.dealloc(q, Layout::from_size_align(128 << 20, 8).unwrap()) };
        assert!(flags.split(' ').any(|f| f == "hg"), "VmFlags: {flags}");
        assert!(
            grown.split(' ').any(|f| f == "hg"),
            "VmFlags after growing: {grown}"
        );
    }
}
