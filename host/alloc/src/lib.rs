//! The allocator of Nephometer's processes.
//!
//! Small blocks go to the system allocator. A block of [`LARGE_BLOCK`]
//! bytes or more (a statistics answer of millions of rows, the buffers it
//! is merged in) is mapped here instead ([`large`]):
//! - backed by transparent huge pages (`madvise(MADV_HUGEPAGE)`), so that
//!   its first writes fault once per 2 MiB instead of once per 4 KiB;
//! - kept when freed, up to [`RETAINED_MAX`] bytes in all ([`retained`]),
//!   and handed out again, so the next large answer writes to memory the
//!   process already has.
//!
//! Both matter most on virtual machines, where a page fault costs far
//! more than on bare metal and memory given back is reclaimed by the host
//! (free page reporting), so that touching it again faults on both sides.
//! On the project's 2-core VM (`cargo bench -p nepho-alloc --bench
//! first_writes`, docs/performance.md), first writes to 1 GiB of fresh
//! memory take 0.38–0.73 s with 4 KiB pages and 0.09–0.14 s with huge
//! pages (1.3–2.8 s when the host must back the memory again); to a kept
//! block, 0.002–0.03 s. The cost is that up to [`RETAINED_MAX`] bytes
//! the process no longer uses stay resident.
//!
//! A binary opts in with
//! `#[global_allocator] static ALLOC: nepho_alloc::LargeBlockAlloc = nepho_alloc::LargeBlockAlloc;`.
#![allow(
    unsafe_code,
    reason = "a global allocator is an unsafe trait; each block states what it upholds"
)]

pub mod large;
pub mod retained;

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of at least this many bytes are mapped by [`large`]: 8 MiB.
pub const LARGE_BLOCK: usize = 8 << 20;

/// At most this many bytes of freed large blocks are kept for reuse: 1 GiB.
pub const RETAINED_MAX: usize = 1 << 30;

/// The system allocator for small blocks; [`large`] blocks, kept for
/// reuse, for blocks of [`LARGE_BLOCK`] bytes or more.
#[derive(Debug, Clone, Copy, Default)]
pub struct LargeBlockAlloc;

/// The kernel's transparent huge page mode (`always`, `madvise` or
/// `never`); `None` where it cannot be read.
pub fn huge_page_mode() -> Option<String> {
    let text = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").ok()?;
    text.split(['[', ']']).nth(1).map(str::to_owned)
}

/// Whether a block of `layout` is a large one. Alignments beyond a page
/// (which `mmap` gives) stay with the system allocator.
fn is_large(layout: Layout) -> bool {
    layout.size() >= LARGE_BLOCK && layout.align() <= large::PAGE
}

// SAFETY: small blocks are `System`'s, untouched. A large block is a
// mapping of at least its size from `large`, page aligned (so aligned for
// every layout `is_large` accepts), owned by one caller until freed, and
// freed to `large` again: whether a block is large depends only on its
// layout, which the caller passes unchanged to `dealloc` and `realloc`.
unsafe impl GlobalAlloc for LargeBlockAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            large::take(layout.size(), false)
        } else {
            // SAFETY: the caller's contract for `alloc` is `System`'s.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            large::take(layout.size(), true)
        } else {
            // SAFETY: as for `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        if is_large(layout) {
            // SAFETY: `block` came from `large::take` or `large::resize`
            // for this size (see the impl's contract).
            unsafe { large::give_back(block, layout.size()) }
        } else {
            // SAFETY: the caller's contract for `dealloc` is `System`'s.
            unsafe { System.dealloc(block, layout) }
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, with `layout`'s
        // alignment, is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (is_large(layout), is_large(new_layout)) {
            // SAFETY: `block` is a large block of `layout.size()` bytes.
            (true, true) => unsafe { large::resize(block, layout.size(), new_size) },
            // SAFETY: the caller's contract for `realloc` is `System`'s.
            (false, false) => unsafe { System.realloc(block, layout, new_size) },
            // Across the threshold: a new block, the contents copied.
            _ => {
                // SAFETY: `new_layout` is valid and not zero-sized (it
                // exceeds a block that existed or is large).
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold the smaller of the sizes;
                    // distinct blocks do not overlap; the old block is
                    // freed with its own layout, once.
                    unsafe {
                        std::ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Allocates, writes, grows, shrinks and frees blocks on both sides
    /// of the threshold; contents survive every move.
    #[test]
    fn blocks_hold_what_is_written_across_every_resize() {
        let alloc = LargeBlockAlloc;
        let sizes = [
            16,
            LARGE_BLOCK - 1,
            LARGE_BLOCK,
            3 * LARGE_BLOCK + 12345,
            LARGE_BLOCK / 2,
        ];
        let layout = |size| Layout::from_size_align(size, 64).unwrap();
        // SAFETY: every block is written within its size and freed (or
        // resized) once with the layout it has.
        unsafe {
            let mut block = alloc.alloc(layout(sizes[0]));
            block.write_bytes(0x11, sizes[0]);
            for pair in sizes.windows(2) {
                let (from, to) = (pair[0], pair[1]);
                block = alloc.realloc(block, layout(from), to);
                assert!(!block.is_null() && (block as usize).is_multiple_of(64));
                let kept = from.min(to);
                assert!((0..kept).step_by(4093).all(|i| *block.add(i) == 0x11));
                assert_eq!(*block.add(kept - 1), 0x11, "{from} -> {to}");
                block.write_bytes(0x11, to);
            }
            alloc.dealloc(block, layout(sizes[sizes.len() - 1]));
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_even_when_reused() {
        let alloc = LargeBlockAlloc;
        let layout = Layout::from_size_align(LARGE_BLOCK * 2, 8).unwrap();
        // SAFETY: as above.
        unsafe {
            let dirty = alloc.alloc(layout);
            dirty.write_bytes(0xFF, layout.size());
            alloc.dealloc(dirty, layout);
            let zeroed = alloc.alloc_zeroed(layout);
            assert!(
                (0..layout.size())
                    .step_by(4096)
                    .all(|i| *zeroed.add(i) == 0)
            );
            assert_eq!(*zeroed.add(layout.size() - 1), 0);
            alloc.dealloc(zeroed, layout);
        }
    }

    #[test]
    fn an_alignment_beyond_a_page_stays_with_the_system_allocator() {
        let layout = Layout::from_size_align(LARGE_BLOCK, 1 << 16).unwrap();
        assert!(!is_large(layout));
        // SAFETY: as above.
        unsafe {
            let block = LargeBlockAlloc.alloc(layout);
            assert!((block as usize).is_multiple_of(1 << 16));
            LargeBlockAlloc.dealloc(block, layout);
        }
    }
}
