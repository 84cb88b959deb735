//! Compiled components, cached on disk.
//!
//! Compiling a component is the slow step of loading it (tens of milliseconds
//! to seconds), so it happens once: the precompiled artifact is stored under a
//! key made of the component's SHA-256 and the engine's compatibility hash
//! (wasmtime version and every code-generation setting). A changed component or
//! a different engine gets a new key; nothing stale is ever loaded.
//!
//! The cache directory must be as trusted as the agent binary: artifacts are
//! native code, loaded without verification beyond wasmtime's own header check.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compiled components by content, in memory and optionally on disk.
pub(crate) struct ComponentCache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, Component>>,
}

impl ComponentCache {
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        ComponentCache {
            dir,
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The compiled form of `bytes` (whose digest is `digest`): from memory,
    /// from disk, or compiled now and stored.
    pub(crate) fn component(
        &self,
        engine: &Engine,
        bytes: &[u8],
        digest: &str,
    ) -> wasmtime::Result<Component> {
        if let Some(found) = self.memory.lock().ok().and_then(|m| m.get(digest).cloned()) {
            return Ok(found);
        }
        let component = match &self.dir {
            Some(dir) => {
                self.load_or_compile(engine, bytes, &dir.join(artifact_name(engine, digest)))?
            }
            None => Component::new(engine, bytes)?,
        };
        if let Ok(mut memory) = self.memory.lock() {
            memory.insert(digest.to_owned(), component.clone());
        }
        Ok(component)
    }

    fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        path: &Path,
    ) -> wasmtime::Result<Component> {
        if path.exists() {
            match load_artifact(engine, path) {
                Ok(component) => return Ok(component),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "Discarding an unusable cached component.")
                }
            }
        }
        let artifact = engine.precompile_component(bytes)?;
        if let Err(error) = store_artifact(path, &artifact) {
            tracing::warn!(path = %path.display(), %error, "Cannot write the component cache; compiling in memory only.");
        }
        deserialize(engine, &artifact)
    }
}

/// The file name of an artifact: content digest plus engine compatibility.
fn artifact_name(engine: &Engine, digest: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{digest}-{:016x}.cwasm", hasher.finish())
}

/// Writes an artifact atomically (temporary file, then rename).
fn store_artifact(path: &Path, artifact: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temporary, artifact)?;
    std::fs::rename(&temporary, path)
}

#[allow(
    unsafe_code,
    reason = "wasmtime requires unsafe to load precompiled native code"
)]
fn load_artifact(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the file was written by `store_artifact` from
    // `Engine::precompile_component` under a name that includes this engine's
    // compatibility hash, in a directory as trusted as the binary itself;
    // wasmtime still checks the header against the engine.
    unsafe { Component::deserialize_file(engine, path) }
}

#[allow(
    unsafe_code,
    reason = "wasmtime requires unsafe to load precompiled native code"
)]
fn deserialize(engine: &Engine, artifact: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `artifact` was produced by `Engine::precompile_component` on this
    // very engine a moment ago.
    unsafe { Component::deserialize(engine, artifact) }
}
