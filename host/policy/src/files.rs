//! Files a component's configuration names (`files = { definitions = [...] }`),
//! read by the host because components have no filesystem.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Reads each listed path, resolved against `base`: a directory contributes
/// its `*.yaml` and `*.yml` files sorted by name, a file itself. Returns the
/// JSON list `[{"name": PATH, "text": CONTENTS}, ...]` in that order, and the
/// directories to watch for changes.
pub(crate) fn read_listed(base: &Path, paths: &[String]) -> Result<(Value, Vec<PathBuf>), String> {
    let mut files = Vec::new();
    let mut watched = Vec::new();
    for listed in paths {
        let path = base.join(listed);
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|ext| ext == "yaml" || ext == "yml")
                })
                .collect();
            entries.sort();
            for file in entries {
                files.push(read(&file)?);
            }
            watched.push(path);
        } else {
            files.push(read(&path)?);
            watched.push(
                path.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from(".")),
            );
        }
    }
    Ok((Value::Array(files), watched))
}

fn read(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(json!({"name": path.display().to_string(), "text": text}))
}
