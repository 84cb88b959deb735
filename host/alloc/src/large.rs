//! Large blocks: anonymous mappings of whole 2 MiB pages in a few
//! lengths ([`mapped_len`]), marked for transparent huge pages, kept in
//! [`crate::retained`] when freed.

use std::sync::{Mutex, PoisonError};

use crate::retained::{Range, Retained};

/// The smallest page, which every mapping is aligned to.
pub const PAGE: usize = 4096;

/// A transparent huge page on x86-64 (and on aarch64 with 4 KiB pages).
pub const HUGE_PAGE: usize = 2 << 20;

static RETAINED: Mutex<Retained> = Mutex::new(Retained::new(crate::RETAINED_MAX));

/// How many bytes are mapped for a block of `size` (at least
/// [`crate::LARGE_BLOCK`]): the next multiple of a quarter of the power of
/// two at or below it, so 8, 10, 12, 14, 16, 20 ... MiB. These few
/// lengths let a freed block serve the next request of about its size
/// (at most a quarter more is mapped, and pages never written cost no
/// memory); they are whole huge pages.
pub fn mapped_len(size: usize) -> Option<usize> {
    let quarter = (1usize << size.max(crate::LARGE_BLOCK).ilog2()) / 4;
    size.checked_next_multiple_of(quarter.max(HUGE_PAGE))
}

fn with_retained<T>(f: impl FnOnce(&mut Retained) -> T) -> T {
    f(&mut RETAINED.lock().unwrap_or_else(PoisonError::into_inner))
}

/// A block of `size` bytes (zero-filled when `zeroed`), from the blocks
/// kept if one is large enough, else newly mapped; null when out of memory.
pub fn take(size: usize, zeroed: bool) -> *mut u8 {
    let Some(len) = mapped_len(size) else {
        return std::ptr::null_mut();
    };
    if let Some(kept) = with_retained(|r| r.take(len)) {
        let block = kept.start as *mut u8;
        if zeroed {
            // SAFETY: the range is a mapping of `len >= size` bytes that
            // nobody else holds now.
            unsafe { block.write_bytes(0, size) };
        }
        return block;
    }
    map(len)
}

/// Frees `block`, a large block of `size` bytes: kept for reuse, or
/// unmapped when the kept blocks are full.
///
/// # Safety
/// `block` came from [`take`] or [`resize`] for `size` bytes and is not
/// used again.
pub unsafe fn give_back(block: *mut u8, size: usize) {
    let Some(len) = mapped_len(size) else { return };
    let range = Range {
        start: block as usize,
        len,
    };
    // SAFETY: each range let go is one this module mapped and nobody holds.
    with_retained(|r| r.keep(range, |gone| unsafe { unmap(gone) }));
}

/// `block` (a large block of `old_size` bytes) as a block of `new_size`,
/// its first bytes kept; null (and `block` untouched) when out of memory.
///
/// # Safety
/// `block` came from [`take`] or [`resize`] for `old_size` bytes; after a
/// non-null return only the returned block is used.
pub unsafe fn resize(block: *mut u8, old_size: usize, new_size: usize) -> *mut u8 {
    let (Some(old), Some(new)) = (mapped_len(old_size), mapped_len(new_size)) else {
        return std::ptr::null_mut();
    };
    if new <= old {
        if new < old {
            // SAFETY: the tail is part of this block's mapping.
            unsafe {
                unmap(Range {
                    start: block as usize + new,
                    len: old - new,
                })
            };
        }
        return block;
    }
    // A kept block is already backed: copying into it is cheaper than
    // growing the mapping into fresh memory.
    if let Some(kept) = with_retained(|r| r.take(new)) {
        let moved = kept.start as *mut u8;
        // SAFETY: distinct mappings, each of at least `old_size` bytes;
        // the old block is given back once.
        unsafe {
            std::ptr::copy_nonoverlapping(block, moved, old_size);
            give_back(block, old_size);
        }
        return moved;
    }
    // SAFETY: `block` is a mapping of `old` bytes; MREMAP_MAYMOVE moves
    // it (page tables, not bytes) when it cannot grow in place.
    let moved = unsafe { libc::mremap(block.cast(), old, new, libc::MREMAP_MAYMOVE) };
    if moved == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    advise_huge_pages(moved.cast(), new);
    moved.cast()
}

/// A fresh mapping of `len` bytes, or null.
fn map(len: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
    let block = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if block == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    advise_huge_pages(block.cast(), len);
    block.cast()
}

/// Asks for huge pages behind `[block, block + len)`. Advice only: where
/// the kernel has them off, the block is backed by small pages.
fn advise_huge_pages(block: *mut u8, len: usize) {
    // SAFETY: the range is a mapping this module owns; MADV_HUGEPAGE
    // changes how it is backed, never its contents.
    unsafe { libc::madvise(block.cast(), len, libc::MADV_HUGEPAGE) };
}

/// Unmaps `range`.
///
/// # Safety
/// `range` lies in mappings of this module that nobody holds.
unsafe fn unmap(range: Range) {
    // SAFETY: by the caller's contract.
    unsafe { libc::munmap(range.start as *mut libc::c_void, range.len) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_quarter_steps_of_whole_huge_pages() {
        const MIB: usize = 1 << 20;
        let len = |size| mapped_len(size).unwrap() / MIB;
        assert_eq!(len(8 * MIB), 8);
        assert_eq!(len(8 * MIB + 1), 10);
        assert_eq!(len(15 * MIB), 16);
        assert_eq!(len(16 * MIB + 1), 20);
        assert_eq!(len(416_000_000), 448);
        assert_eq!(len(160 * MIB), 160);
        assert!((8..4096).all(|m| mapped_len(m * MIB + 7).unwrap().is_multiple_of(HUGE_PAGE)));
        assert_eq!(mapped_len(usize::MAX), None);
    }

    #[test]
    fn a_large_block_is_marked_for_huge_pages() {
        let size = 5 * HUGE_PAGE + 1;
        let block = take(size, false);
        assert!(!block.is_null());
        assert!(huge_page_flag(block as usize), "VmFlags lack hg");
        // SAFETY: taken above for `size`, not used again.
        unsafe { give_back(block, size) };
    }

    #[test]
    fn growing_without_a_kept_block_remaps_and_keeps_the_contents() {
        let block = take(HUGE_PAGE * 4, false);
        // SAFETY: the block is written within its size, resized from the
        // size it has, and freed once.
        unsafe {
            block.write_bytes(7, HUGE_PAGE * 4);
            let grown = resize(block, HUGE_PAGE * 4, RETAINED_LARGER_THAN_ANY);
            assert!(!grown.is_null());
            assert_eq!(*grown.add(HUGE_PAGE * 4 - 1), 7);
            assert_eq!(*grown.add(RETAINED_LARGER_THAN_ANY - 1), 0);
            give_back(grown, RETAINED_LARGER_THAN_ANY);
        }
    }

    /// Larger than the retention limit, so never kept: a resize to it maps.
    const RETAINED_LARGER_THAN_ANY: usize = crate::RETAINED_MAX + HUGE_PAGE;

    /// Whether the mapping holding `address` carries the `hg` (huge page
    /// advice) flag in /proc/self/smaps; true where huge pages are off.
    fn huge_page_flag(address: usize) -> bool {
        if !matches!(
            crate::huge_page_mode().as_deref(),
            Some("madvise" | "always")
        ) {
            return true;
        }
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                if inside {
                    return flags.split_whitespace().any(|f| f == "hg");
                }
            } else if let Some((from, to)) = line.split(' ').next().and_then(|h| h.split_once('-'))
                && let (Ok(from), Ok(to)) = (
                    usize::from_str_radix(from, 16),
                    usize::from_str_radix(to, 16),
                )
            {
                inside = (from..to).contains(&address);
            }
        }
        false
    }
}
