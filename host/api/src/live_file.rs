//! A file read at start and read again whenever it changes, without a
//! restart: the tokens file and the access rules.
//!
//! Each [`LiveFile::current`] looks at the file's metadata (size,
//! modification and change times, inode): a cheap `stat`, no read. When
//! those changed, the file is read and parsed; a good parse replaces the
//! value, a bad one (or a missing file) keeps the previous value and is
//! logged once with the parser's `file:line:column` message.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode_and_change: (u64, i64, i64),
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
        #[cfg(unix)]
        inode_and_change: {
            use std::os::unix::fs::MetadataExt;
            (meta.ino(), meta.ctime(), meta.ctime_nsec())
        },
    })
}

/// Parses a file's text; the error names the file, line and column.
pub(crate) type Parse<T> = fn(&Path, &str) -> Result<T, String>;

struct Loaded<T> {
    stamp: Option<Stamp>,
    value: Arc<T>,
}

/// A parsed file kept up to date with the file.
pub(crate) struct LiveFile<T> {
    path: PathBuf,
    parse: Parse<T>,
    loaded: Mutex<Loaded<T>>,
}

impl<T> LiveFile<T> {
    /// Reads and parses `path`; fails (with the message) if it cannot.
    pub(crate) fn open(path: &Path, parse: Parse<T>) -> Result<LiveFile<T>, String> {
        let stamp = stamp(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let value = parse(path, &text)?;
        Ok(LiveFile {
            path: path.to_path_buf(),
            parse,
            loaded: Mutex::new(Loaded {
                stamp,
                value: Arc::new(value),
            }),
        })
    }

    /// The value of the file as it is now (or as it last parsed).
    pub(crate) fn current(&self) -> Arc<T> {
        let now = stamp(&self.path);
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if now == loaded.stamp {
            return Arc::clone(&loaded.value);
        }
        // Remember this version either way, so a broken edit is logged once.
        loaded.stamp = now;
        match std::fs::read_to_string(&self.path) {
            Ok(text) => match (self.parse)(&self.path, &text) {
                Ok(value) => {
                    tracing::info!("Reloaded {}", self.path.display());
                    loaded.value = Arc::new(value);
                }
                Err(message) => {
                    tracing::error!("{message} (the previous version stays in use)");
                }
            },
            Err(e) => tracing::error!(
                "{}: cannot read: {e} (the previous version stays in use)",
                self.path.display()
            ),
        }
        Arc::clone(&loaded.value)
    }
}

/// The 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(path: &Path, text: &str) -> Result<Vec<i64>, String> {
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                l.trim()
                    .parse()
                    .map_err(|_| format!("{}:{}:1: not a number", path.display(), i + 1))
            })
            .collect()
    }

    #[test]
    fn an_edit_is_picked_up_and_a_broken_one_keeps_the_last_good_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("n.txt");
        std::fs::write(&path, "1\n2\n").expect("write");
        let live = LiveFile::open(&path, numbers).expect("parses");
        assert_eq!(*live.current(), [1, 2]);
        std::fs::write(&path, "1\n2\n3\n").expect("write");
        assert_eq!(*live.current(), [1, 2, 3]);
        std::fs::write(&path, "1\nx\n").expect("write");
        assert_eq!(*live.current(), [1, 2, 3], "broken edit: previous kept");
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(*live.current(), [1, 2, 3], "missing file: previous kept");
        std::fs::write(&path, "9\n").expect("write");
        assert_eq!(*live.current(), [9]);
    }

    #[test]
    fn a_file_that_does_not_parse_at_start_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("n.txt");
        std::fs::write(&path, "1\nzz\n").expect("write");
        let error = LiveFile::open(&path, numbers).err().unwrap_or_default();
        assert!(error.ends_with("n.txt:2:1: not a number"), "{error}");
        let missing = LiveFile::open(&dir.path().join("none"), numbers)
            .err()
            .unwrap_or_default();
        assert!(missing.contains("cannot read"), "{missing}");
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_column("ab\ncdé f", 8), (2, 5));
        assert_eq!(line_column("", 3), (1, 1));
    }
}
