//! Builds the `guests/` workspace for `wasm32-wasip2` with a nested cargo, into
//! a target directory of its own under `OUT_DIR` (never the outer one, whose
//! lock the outer cargo holds), and generates `artifacts.rs`:
//! - `BUILTINS`: name and embedded bytes of every shipped component (crates
//!   named `meter-*`, `event-*`, `transform-*`, `publish-*`);
//! - `TEST_GUESTS`: name and file path of every test-only component
//!   (`test-*`), which are never embedded.
//!
//! Set `NEPHO_GUESTS_PROFILE=debug` to build guests without optimisation.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const SHIPPED_PREFIXES: [&str; 4] = ["meter-", "event-", "transform-", "publish-"];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../..");
    let guests = root.join("guests");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!("cargo:rerun-if-changed={}", guests.display());
    for entry in walk(&guests) {
        println!("cargo:rerun-if-changed={}", entry.display());
    }
    println!("cargo:rerun-if-env-changed=NEPHO_GUESTS_PROFILE");

    let target_dir = out_dir.join("guests-target");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&guests)
        .args([
            "build",
            "--release",
            "--workspace",
            "--target",
            "wasm32-wasip2",
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        // Under `cargo clippy` these would lint the guests as part of the host;
        // the guests workspace is linted on its own.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .status()
        .expect("cannot run cargo to build the guests");
    if !status.success() {
        panic!(
            "building the components in guests/ failed (see above). If the error says the \
             wasm32-wasip2 target is missing, run: rustup target add wasm32-wasip2"
        );
    }

    let wasm_dir = target_dir.join("wasm32-wasip2/release");
    let mut builtins = String::new();
    let mut tests = String::new();
    for name in guest_crates(&guests) {
        let file = wasm_dir.join(format!("{}.wasm", name.replace('-', "_")));
        if name.starts_with("test-") {
            writeln!(tests, "    ({name:?}, {:?}),", file.display().to_string()).unwrap();
        } else if SHIPPED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            writeln!(
                builtins,
                "    ({name:?}, include_bytes!({:?})),",
                file.display().to_string()
            )
            .unwrap();
        } else {
            panic!(
                "guests/{name}: a component crate is named meter-*, event-*, transform-*, \
                 publish-* (shipped) or test-* (tests only)"
            );
        }
    }
    let generated = format!(
        "/// Every shipped component: its name and its bytes.\n\
         pub const BUILTINS: &[(&str, &[u8])] = &[\n{builtins}];\n\n\
         /// Every test-only component: its name and the path of its file.\n\
         pub const TEST_GUESTS: &[(&str, &str)] = &[\n{tests}];\n"
    );
    std::fs::write(out_dir.join("artifacts.rs"), generated).expect("cannot write artifacts.rs");
}

/// Component crates: directories of `guests/` with a `Cargo.toml` and a `[lib]`
/// of `crate-type = ["cdylib"]`, sorted.
fn guest_crates(guests: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(guests)
        .expect("cannot read guests/")
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            std::fs::read_to_string(entry.path().join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("cdylib"))
        })
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Every file under `dir` except build output, for precise rerun triggers.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
