//! Freed large blocks kept for reuse: at most [`SLOTS`] of them and
//! [`crate::RETAINED_MAX`] bytes in all, the oldest let go first. Blocks
//! come in a few lengths only (see `large::mapped_len`), so a block is
//! reused for a request of exactly its length: never split, so a later
//! large request still finds its block whole.
//!
//! Pure bookkeeping over address ranges; [`crate::large`] maps and unmaps.

/// How many freed blocks are kept at most.
pub const SLOTS: usize = 32;

/// A range of mapped memory: its start address and length in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First byte's address.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
}

/// The blocks kept, oldest first.
#[derive(Debug)]
pub struct Retained {
    blocks: [Range; SLOTS],
    count: usize,
    bytes: usize,
    limit: usize,
}

impl Retained {
    /// Nothing kept yet; at most `limit` bytes will be.
    pub const fn new(limit: usize) -> Self {
        Retained {
            blocks: [Range { start: 0, len: 0 }; SLOTS],
            count: 0,
            bytes: 0,
            limit,
        }
    }

    /// Bytes kept now.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The most recently kept block of exactly `len` bytes, if any.
    pub fn take(&mut self, len: usize) -> Option<Range> {
        let at = self.blocks[..self.count]
            .iter()
            .rposition(|b| b.len == len)?;
        let taken = self.blocks[at];
        self.remove(at);
        self.bytes -= len;
        Some(taken)
    }

    /// Keeps `block`, letting go of the oldest blocks (passed to `unmap`)
    /// until it fits; a block larger than the limit is passed to `unmap`
    /// itself.
    pub fn keep(&mut self, block: Range, mut unmap: impl FnMut(Range)) {
        if block.len > self.limit {
            unmap(block);
            return;
        }
        while self.count == SLOTS || self.bytes + block.len > self.limit {
            let oldest = self.blocks[0];
            self.remove(0);
            self.bytes -= oldest.len;
            unmap(oldest);
        }
        self.blocks[self.count] = block;
        self.count += 1;
        self.bytes += block.len;
    }

    fn remove(&mut self, at: usize) {
        self.blocks.copy_within(at + 1..self.count, at);
        self.count -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: usize = 1 << 20;

    fn range(start: usize, len: usize) -> Range {
        Range { start, len }
    }

    #[test]
    fn the_newest_block_of_the_length_asked_is_taken_whole() {
        let mut kept = Retained::new(1000 * MB);
        let mut unmapped = Vec::new();
        kept.keep(range(1000 * MB, 40 * MB), |r| unmapped.push(r));
        kept.keep(range(100 * MB, 20 * MB), |r| unmapped.push(r));
        kept.keep(range(5000 * MB, 40 * MB), |r| unmapped.push(r));
        assert_eq!(kept.take(40 * MB), Some(range(5000 * MB, 40 * MB)));
        assert_eq!(kept.take(30 * MB), None, "a larger block is not split");
        assert_eq!(kept.take(40 * MB), Some(range(1000 * MB, 40 * MB)));
        assert_eq!(kept.take(40 * MB), None);
        assert_eq!(kept.bytes(), 20 * MB);
        assert!(unmapped.is_empty());
    }

    #[test]
    fn the_oldest_blocks_go_when_the_limit_or_the_slots_are_reached() {
        let mut kept = Retained::new(100 * MB);
        let mut unmapped = Vec::new();
        kept.keep(range(0, 60 * MB), |r| unmapped.push(r));
        kept.keep(range(200 * MB, 30 * MB), |r| unmapped.push(r));
        kept.keep(range(400 * MB, 20 * MB), |r| unmapped.push(r));
        assert_eq!(unmapped, [range(0, 60 * MB)]);
        kept.keep(range(600 * MB, 101 * MB), |r| unmapped.push(r));
        assert_eq!(unmapped[1], range(600 * MB, 101 * MB), "over the limit");
        assert_eq!(kept.bytes(), 50 * MB);
        for i in 0..SLOTS {
            kept.keep(range((1000 + i) * MB, MB), |r| unmapped.push(r));
        }
        assert_eq!(unmapped.len(), 4, "the two older and two more went");
        assert_eq!(kept.bytes(), SLOTS * MB);
    }
}
