//! What the first write to fresh memory costs, with 4 KiB pages and with
//! transparent huge pages: maps 1 GiB, writes a byte every 4 KiB, unmaps;
//! three rounds each, alternated. Then the same through
//! [`nepho_alloc::LargeBlockAlloc`] twice, the second time reusing the
//! block the first freed.
//!
//! ```text
//! cargo bench -p nepho-alloc --bench first_writes
//! ```
#![allow(unsafe_code, reason = "maps and writes raw memory to time its faults")]

use std::alloc::{GlobalAlloc, Layout};
use std::time::Instant;

const GIB: usize = 1 << 30;

/// Seconds to write one byte into each 4 KiB page of `block`.
fn touch(block: *mut u8, len: usize) -> f64 {
    let start = Instant::now();
    for at in (0..len).step_by(4096) {
        // SAFETY: `at` is inside the block of `len` bytes.
        unsafe { block.add(at).write_volatile(1) };
    }
    start.elapsed().as_secs_f64()
}

/// A fresh private mapping of 1 GiB, first written with or without huge pages.
fn fresh(huge: bool) -> f64 {
    // SAFETY: an anonymous mapping of the kernel's choosing, written only
    // within its length, unmapped once.
    unsafe {
        let block = libc::mmap(
            std::ptr::null_mut(),
            GIB,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(block, libc::MAP_FAILED, "mmap of 1 GiB failed");
        if huge {
            libc::madvise(block, GIB, libc::MADV_HUGEPAGE);
        }
        let seconds = touch(block.cast(), GIB);
        libc::munmap(block, GIB);
        seconds
    }
}

fn main() {
    let mode = nepho_alloc::huge_page_mode();
    println!(
        "transparent huge pages: {}",
        mode.as_deref().unwrap_or("unknown")
    );
    for round in 1..=3 {
        println!(
            "round {round}: first writes to 1 GiB: 4 KiB pages {:.3} s, huge pages {:.3} s",
            fresh(false),
            fresh(true)
        );
    }
    let layout = Layout::from_size_align(GIB - (64 << 20), 8).expect("a valid layout");
    for pass in ["new", "kept"] {
        // SAFETY: a large layout; written within it, freed with it.
        let seconds = unsafe {
            let block = nepho_alloc::LargeBlockAlloc.alloc(layout);
            assert!(!block.is_null(), "allocation failed");
            let seconds = touch(block, layout.size());
            nepho_alloc::LargeBlockAlloc.dealloc(block, layout);
            seconds
        };
        println!("LargeBlockAlloc, 960 MiB block, {pass}: {seconds:.3} s");
    }
}
