//! The memory cap of one store, which remembers that it refused a growth so a
//! trap that follows can be explained as "exceeded its memory cap".

use wasmtime::ResourceLimiter;

/// Most tables, table elements and instances a component may create; generous
/// for any real component, small enough to stop abuse.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 64;
const MAX_MEMORIES: usize = 16;

/// A [`ResourceLimiter`] that caps each linear memory of the store (a component
/// built from Rust has one).
pub(crate) struct MemoryCap {
    max_bytes: u64,
    refused: bool,
}

impl MemoryCap {
    pub(crate) fn new(max_bytes: u64) -> Self {
        MemoryCap {
            max_bytes,
            refused: false,
        }
    }

    /// Whether a memory growth was refused since the store was created.
    pub(crate) fn refused(&self) -> bool {
        self.refused
    }

    /// The cap in bytes.
    pub(crate) fn max_bytes(&self) -> u64 {
        self.max_bytes
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired as u64 <= self.max_bytes;
        if !allowed {
            self.refused = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}
