//! Reading a file named by configuration with bounds: only a regular file (a symlink to one is fine), at
//! most a given size, and never a wait for a writer. Used for local secrets files and for every file a
//! kwarg names (token files, CA bundles, key files), so that a FIFO, `/dev/zero` or a huge file is a
//! clear error instead of a hang or an out-of-memory abort.
//!
//! The path is checked first (so that opening a device has no side effect), and the **opened handle**
//! is checked again, since the path may have been replaced in between. The open is non-blocking on
//! Unix: opening a FIFO that has no writer would otherwise wait forever.

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// The largest small credential file (token, JWT, key, CA bundle, certificate) a provider reads: 1 MiB.
pub const MAX_CREDENTIAL_FILE_BYTES: u64 = 1024 * 1024;

/// The bytes of the file at `path`, at most `max` of them, or an I/O error saying why it was not read:
/// not a regular file (FIFO, device, directory, socket), larger than `max` (nothing more than `max + 1`
/// bytes is read, even from a file that grows), or the error of the open or read.
///
/// ```
/// use airflow_secrets_core::provider::files::read_bounded;
/// let err = read_bounded(std::path::Path::new("/dev/zero"), 1024).unwrap_err();
/// assert!(err.to_string().starts_with("not a regular file (a device)"), "{err}");
/// ```
pub fn read_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    check(&std::fs::metadata(path)?, max)?;
    let file = open(path)?;
    let metadata = file.metadata()?;
    check(&metadata, max)?;
    // `len` is at most `max` here; files in /proc say 0 and still have content.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(None, max));
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text_bounded(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_bounded(path, max)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"))
}

#[cfg(unix)]
fn open(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK changes nothing for a regular file; for a FIFO it makes `open` return at once, and the
    // handle's metadata then refuses it.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn check(metadata: &Metadata, max: u64) -> io::Result<()> {
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "not a regular file ({}); it must be a regular file or a symlink to one",
                describe(metadata.file_type())
            ),
        ));
    }
    if metadata.len() > max {
        return Err(too_large(Some(metadata.len()), max));
    }
    Ok(())
}

fn too_large(len: Option<u64>, max: u64) -> io::Error {
    let size = len.map_or_else(String::new, |n| format!(" ({n} bytes)"));
    let limit = if max >= 1 << 20 && max.is_multiple_of(1 << 20) {
        format!("{} MiB", max >> 20)
    } else {
        format!("{max} bytes")
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("the file{size} is larger than the {limit} it may have"),
    )
}

fn describe(file_type: FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}
