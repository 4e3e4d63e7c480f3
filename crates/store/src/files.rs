//! File handling for backup and restore: staging next to the target, flushing to disk, and
//! keeping blocking work off the async runtime.

use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// `PATH.SUFFIX` next to `PATH` (`waymark.db` → `waymark.db-wal` for `"wal"`, as SQLite names
/// its own files, and `waymark.db.partial` for others).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let separator = if matches!(suffix, "wal" | "shm") {
        "-"
    } else {
        "."
    };
    let mut name = path.as_os_str().to_owned();
    name.push(separator);
    name.push(suffix);
    PathBuf::from(name)
}

pub(crate) fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io("could not remove", path, e)),
    }
}

/// Flushes a file's contents to disk.
pub(crate) fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|e| StoreError::io("could not flush", path, e))
}

/// Flushes a directory entry (a rename) to disk.
pub(crate) fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    sync_file(dir)
}

/// Runs blocking file work off the async runtime's worker threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Background(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_side_files_are_named_as_sqlite_names_them() {
        let db = Path::new("/data/waymark.db");
        assert_eq!(sibling(db, "wal"), Path::new("/data/waymark.db-wal"));
        assert_eq!(sibling(db, "shm"), Path::new("/data/waymark.db-shm"));
        assert_eq!(
            sibling(db, "partial"),
            Path::new("/data/waymark.db.partial")
        );
    }
}
