//! The data of one component's store.

use std::sync::Arc;

use nepho_policy::{Capability, ComponentSpec};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::limiter::MemoryCap;

/// How many bytes of a guest's stderr are kept to explain a trap (panic messages).
const STDERR_CAPTURE_BYTES: usize = 4096;

/// Most log lines one call may write; later lines are dropped and counted.
pub(crate) const LOG_LINES_PER_CALL: u32 = 100;

/// Everything a component instance can reach through its imports: its own
/// configuration, its log identity, an empty WASI context, and its limits.
pub(crate) struct HostState {
    pub(crate) component: Arc<str>,
    pub(crate) config: Arc<serde_json::Map<String, serde_json::Value>>,
    pub(crate) memory: MemoryCap,
    pub(crate) log_lines_left: u32,
    pub(crate) log_lines_dropped: u32,
    pub(crate) stderr: MemoryOutputPipe,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    /// The state for a fresh instance of `spec`: no preopened directories, no
    /// sockets, no arguments, and only the environment variables its policy
    /// lists when `environment` is granted.
    pub(crate) fn new(
        spec: &ComponentSpec,
        config: Arc<serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE_BYTES);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        if spec.sandbox.grants.contains(&Capability::Environment) {
            for (key, value) in &spec.sandbox.env {
                wasi.env(key, value);
            }
        }
        HostState {
            component: Arc::from(spec.name.as_str()),
            config,
            memory: MemoryCap::new(spec.sandbox.max_memory_bytes),
            log_lines_left: LOG_LINES_PER_CALL,
            log_lines_dropped: 0,
            stderr,
            wasi: wasi.build(),
            table: ResourceTable::new(),
        }
    }

    /// Resets per-call budgets before a call into the guest.
    pub(crate) fn begin_call(&mut self) {
        self.log_lines_left = LOG_LINES_PER_CALL;
        self.log_lines_dropped = 0;
    }

    /// What the guest wrote to stderr (a panic message, usually), trimmed.
    pub(crate) fn stderr_text(&self) -> String {
        let bytes = self.stderr.contents();
        String::from_utf8_lossy(&bytes).trim().replace('\n', " | ")
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
