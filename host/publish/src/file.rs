//! `file:///path?max_bytes=N&backup_count=M`: appends the lines of each delivery to a file,
//! rotating like Python's `logging.handlers.RotatingFileHandler`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Delivery, DeliveryError, OpenError, PublisherUrl, Transport, options};

/// Appends delivery bodies to a file.
pub(crate) struct FileTransport {
    url: PublisherUrl,
    path: PathBuf,
    /// `(max_bytes, backup_count)` when both are given and positive.
    rotation: Option<(u64, u32)>,
    /// Serialises writers so that lines of two batches never interleave.
    lock: Mutex<()>,
}

impl FileTransport {
    /// Checks the options and opens (creating if needed) the file. Parent directories are not
    /// created, as with Ceilometer.
    pub(crate) fn open(url: &PublisherUrl) -> Result<Self, OpenError> {
        let path = url.path();
        if path.is_empty() || path == "/" {
            return Err(OpenError::option(
                url,
                "path",
                "the file publisher needs a file path, as in file:///var/log/ceilometer/samples",
            ));
        }
        let max_bytes = options::uint(url, "max_bytes", 0)?;
        let backup_count = options::uint(url, "backup_count", 0)?;
        let backup_count = u32::try_from(backup_count)
            .map_err(|_| OpenError::option(url, "backup_count", "is larger than 4294967295"))?;
        let both = url.has_param("max_bytes") && url.has_param("backup_count");
        let rotation =
            (both && max_bytes > 0 && backup_count > 0).then_some((max_bytes, backup_count));
        let path = PathBuf::from(path);
        append_handle(&path).map_err(|e| {
            OpenError::setup(
                url,
                format!("cannot open `{}` for appending: {e}", path.display()),
            )
        })?;
        Ok(Self {
            url: url.clone(),
            path,
            rotation,
            lock: Mutex::new(()),
        })
    }

    fn write_batch(&self, deliveries: &[Delivery]) -> io::Result<()> {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The file is reopened for every batch, so an outside logrotate is followed.
        let mut file = append_handle(&self.path)?;
        let mut size = file.metadata()?.len();
        for delivery in deliveries {
            for line in lines(&delivery.body) {
                if let Some((max_bytes, backup_count)) = self.rotation {
                    let len = line.len() as u64;
                    // RotatingFileHandler.shouldRollover: roll when the line would make the file
                    // reach max_bytes; an empty file is never rolled.
                    if size > 0 && size + len >= max_bytes {
                        file.flush()?;
                        drop(file);
                        rotate(&self.path, backup_count)?;
                        file = append_handle(&self.path)?;
                        size = 0;
                    }
                }
                file.write_all(&line)?;
                size += line.len() as u64;
            }
        }
        file.flush()
    }
}

impl Transport for FileTransport {
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError> {
        self.write_batch(deliveries).map_err(|e| {
            DeliveryError::new(&self.url, format!("writing `{}`: {e}", self.path.display()))
        })
    }
}

fn append_handle(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The lines of a body, each ending in `\n` (one is added to a last line without it).
fn lines(body: &[u8]) -> Vec<Vec<u8>> {
    body.split_inclusive(|&b| b == b'\n')
        .map(|line| {
            let mut line = line.to_vec();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            line
        })
        .collect()
}

/// `path.{M-1}` → `path.M`, …, `path.1` → `path.2`, `path` → `path.1` (RotatingFileHandler.doRollover).
fn rotate(path: &Path, backup_count: u32) -> io::Result<()> {
    let numbered = |n: u32| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    };
    for i in (1..backup_count).rev() {
        let source = numbered(i);
        if source.exists() {
            let target = numbered(i + 1);
            if target.exists() {
                fs::remove_file(&target)?;
            }
            fs::rename(&source, &target)?;
        }
    }
    let first = numbered(1);
    if first.exists() {
        fs::remove_file(&first)?;
    }
    if path.exists() {
        fs::rename(path, &first)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn splits_lines_and_terminates_the_last() {
        assert_eq!(lines(b"a\nb\n"), vec![b"a\n".to_vec(), b"b\n".to_vec()]);
        assert_eq!(lines(b"a\nb"), vec![b"a\n".to_vec(), b"b\n".to_vec()]);
        assert!(lines(b"").is_empty());
    }
}
