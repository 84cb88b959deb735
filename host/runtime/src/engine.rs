//! The one wasmtime engine of the process, its epoch ticker, and the linker
//! every component is pre-linked against.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, OptLevel};

use crate::bindings::transformer::Transformer;
use crate::cache::ComponentCache;
use crate::host::HostState;

/// How often the epoch advances; call deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// A component built into the agent: its name and its bytes.
pub type Builtin = (&'static str, &'static [u8]);

/// Settings of the runtime that cannot change while it runs.
#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    /// Components addressable as `builtin:NAME`.
    pub builtins: &'static [Builtin],
    /// Where precompiled components are cached; `None` keeps them in memory only.
    pub cache_dir: Option<PathBuf>,
}

/// The process-wide component runtime: one engine, one linker, one cache.
/// Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<RuntimeInner>,
}

pub(crate) struct RuntimeInner {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) cache: ComponentCache,
    pub(crate) builtins: &'static [Builtin],
    _ticker: Ticker,
}

impl Runtime {
    /// Creates the engine (epoch interruption on, component-model concurrency
    /// off, since every call is synchronous), starts the epoch ticker and links
    /// the host imports.
    pub fn new(config: RuntimeConfig) -> anyhow::Result<Self> {
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .concurrency_support(false)
            .epoch_interruption(true)
            .cranelift_opt_level(OptLevel::Speed);
        let engine = Engine::new(&wasm)?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Transformer::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        let ticker = Ticker::start(engine.clone());
        let cache = ComponentCache::new(config.cache_dir);
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                cache,
                builtins: config.builtins,
                _ticker: ticker,
            }),
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The names of the built-in components.
    pub fn builtin_names(&self) -> impl Iterator<Item = &'static str> {
        self.inner.builtins.iter().map(|(name, _)| *name)
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("builtins", &self.builtin_names().collect::<Vec<_>>())
            .finish()
    }
}

/// A thread that advances the engine's epoch every [`EPOCH_TICK`].
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("nepho-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Ticker { stop, thread }
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
