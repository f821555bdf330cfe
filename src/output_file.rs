//! Writing the one file the user named, and nothing else on the host.
//!
//! A regular file (or a new one) is replaced atomically: the text goes to a temporary file created
//! exclusively (random name, `O_EXCL`) beside the real target, which is then renamed over it, so a crash
//! never leaves half a report and a planted link is never followed. Everything else is written in place and
//! never replaced: a character device (`/dev/null`), a FIFO (`>(gzip > r.gz)`), a terminal, and the
//! process's own streams however they are named (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`). A symbolic
//! link to a regular file is kept: its target is what gets replaced. Directories, block devices and sockets
//! are refused: no report belongs there.

use std::fs::{File, Metadata, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{Error, ErrorKind, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// More links than this in one chain is a loop (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// Where the bytes for one named path go.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// This process's standard output or standard error (`/dev/stdout`, `/proc/self/fd/2`, ...).
    Stream(u32),
    /// Opened and written where it is: a device, a FIFO, or a file reached through a descriptor link.
    InPlace(PathBuf),
    /// A regular file, existing or new, replaced by a rename in its own directory.
    Replace(PathBuf),
}

/// Writes `bytes` to `path` as the module documentation says.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match destination(path)? {
        Destination::Stream(1) => std::io::stdout().lock().write_all(bytes),
        Destination::Stream(_) => std::io::stderr().lock().write_all(bytes),
        Destination::InPlace(path) => {
            // A device or a pipe cannot be truncated; a regular file is emptied below.
            let mut file = OpenOptions::new().write(true).create(true).truncate(false).open(&path)?;
            if file.metadata()?.is_file() {
                file.set_len(0)?;
            }
            file.write_all(bytes)
        }
        Destination::Replace(path) => replace(&path, bytes),
    }
}

/// Appends `bytes` to `path` (created when new), following links as a shell's `>>` does; refuses what
/// [`write`] refuses.
pub fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match destination(path)? {
        Destination::Stream(1) => std::io::stdout().lock().write_all(bytes),
        Destination::Stream(_) => std::io::stderr().lock().write_all(bytes),
        Destination::InPlace(path) | Destination::Replace(path) => {
            OpenOptions::new().create(true).append(true).open(path)?.write_all(bytes)
        }
    }
}

/// Whether two paths name one existing file (after every link), by device and inode.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Follows `path`'s links one at a time (never through a descriptor link, whose text is no path) and
/// classifies what it ends at.
fn destination(path: &Path) -> std::io::Result<Destination> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        if let Some(fd) = descriptor(&current) {
            return match fd {
                1 | 2 => Ok(Destination::Stream(fd)),
                _ => in_place(current),
            };
        }
        let metadata = match std::fs::symlink_metadata(&current) {
            Err(e) if e.kind() == ErrorKind::NotFound && in_dev(&current) => return Ok(Destination::InPlace(current)),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Destination::Replace(current)),
            other => other?,
        };
        if metadata.file_type().is_symlink() {
            let target = std::fs::read_link(&current)?;
            current = match current.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
            continue;
        }
        return classify(current, &metadata);
    }
    Err(Error::other(format!("{}: more than {MAX_LINKS} symbolic links in a row (a loop?)", path.display())))
}

fn in_place(path: PathBuf) -> std::io::Result<Destination> {
    let metadata = std::fs::metadata(&path)?;
    match classify(path, &metadata)? {
        Destination::Replace(path) => Ok(Destination::InPlace(path)),
        other => Ok(other),
    }
}

fn classify(path: PathBuf, metadata: &Metadata) -> std::io::Result<Destination> {
    let kind = metadata.file_type();
    let refuse = |what: &str| Err(Error::other(format!("{} is {what}, not a file a report can be written to", path.display())));
    if kind.is_dir() {
        return refuse("a directory");
    }
    if kind.is_block_device() {
        return refuse("a block device");
    }
    if kind.is_socket() {
        return refuse("a socket");
    }
    if kind.is_file() && !in_dev(&path) {
        return Ok(Destination::Replace(path));
    }
    // Character devices, FIFOs, and anything living in /dev: written where they are.
    Ok(Destination::InPlace(path))
}

/// No temporary file is ever made in /dev (a devtmpfs the whole machine shares), however the folder is
/// reached (`out/report` where `out` links to /dev).
fn in_dev(path: &Path) -> bool {
    let folder = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::canonicalize(folder).is_ok_and(|p| p.starts_with("/dev") && !p.starts_with("/dev/shm"))
}

/// The descriptor a path names directly: `/dev/stdout`, `/dev/stderr`, `/dev/stdin`, `/dev/fd/N`,
/// `/proc/self/fd/N` or `/proc/<this process>/fd/N`.
fn descriptor(path: &Path) -> Option<u32> {
    let text = path.to_str()?;
    match text {
        "/dev/stdin" => return Some(0),
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => {}
    }
    let own = format!("/proc/{}/fd/", std::process::id());
    let number = ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", own.as_str()].iter().find_map(|p| text.strip_prefix(p))?;
    number.parse().ok()
}

/// Replaces a regular file (or creates it) through a temporary file in its directory.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| Error::other(format!("{} names no file", path.display())))?;
    let existing_mode = std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777);
    let (temporary, mut file) = create_exclusive(dir, &name.to_string_lossy())?;
    let written = (|| {
        file.write_all(bytes)?;
        if let Some(mode) = existing_mode {
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        drop(file);
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        // A failed write (a full disk) leaves nothing behind.
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A new file with an unpredictable name beside the target, created with O_EXCL (a link planted under
/// that name makes the creation fail rather than be followed).
fn create_exclusive(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..16 {
        let candidate = dir.join(format!(".{name}.{:016x}.partial", random()));
        match OpenOptions::new().write(true).create_new(true).mode(0o666).open(&candidate) {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::other("no free temporary name")))
}

/// 64 random bits from the standard library's per-process hash keys, the time and the process ID.
fn random() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_recognised_by_name() {
        assert_eq!(descriptor(Path::new("/dev/stdout")), Some(1));
        assert_eq!(descriptor(Path::new("/dev/stderr")), Some(2));
        assert_eq!(descriptor(Path::new("/dev/fd/63")), Some(63));
        assert_eq!(descriptor(Path::new("/proc/self/fd/1")), Some(1));
        assert_eq!(descriptor(Path::new(&format!("/proc/{}/fd/2", std::process::id()))), Some(2));
        assert_eq!(descriptor(Path::new("/proc/1/fd/1")), None, "another process's descriptor is a plain link");
        assert_eq!(descriptor(Path::new("/dev/null")), None);
        assert_eq!(descriptor(Path::new("out/dev/stdout")), None);
    }

    #[test]
    fn devices_and_streams_are_never_replaced() {
        assert_eq!(destination(Path::new("/dev/null")).ok(), Some(Destination::InPlace("/dev/null".into())));
        assert_eq!(destination(Path::new("/dev/stdout")).ok(), Some(Destination::Stream(1)));
        assert!(destination(Path::new("/")).is_err(), "a directory");
    }

    #[test]
    fn a_folder_linked_to_dev_is_dev() {
        let dir = std::env::temp_dir().join(format!("output-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        std::os::unix::fs::symlink("/dev", dir.join("devices")).expect("link");
        assert!(in_dev(&dir.join("devices/new-report")));
        assert!(!in_dev(&dir.join("report")));
        assert!(!in_dev(Path::new("/dev/shm/report")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporary_names_differ() {
        let names: std::collections::HashSet<u64> = (0..1000).map(|_| random()).collect();
        assert_eq!(names.len(), 1000);
    }
}
