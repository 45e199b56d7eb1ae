//! Values that hold secrets (kwargs with tokens, connection URIs with passwords) can be given as `-`
//! (read from stdin) or `@FILE` (read from a file) instead of on the command line, where they would land
//! in `/proc/*/cmdline`, `ps` output and shell history.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exit::{Failure, Status};

/// The most bytes read from stdin or a file for one value: 1 MiB.
pub const MAX_INPUT: usize = 1 << 20;

/// Set once stdin has been read: a second `-` would get nothing.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// A value given on the command line, resolved: the text, and how to name its source.
pub struct Input {
    /// The value (one trailing newline removed when it came from stdin or a file).
    pub text: String,
    /// `--flag`, `--flag - (stdin)` or `--flag @FILE`.
    pub source: String,
}

/// `value` as given for `flag`: `-` reads stdin, `@FILE` reads that file (both capped at
/// [`MAX_INPUT`], one trailing `\n` or `\r\n` trimmed), anything else is the value itself.
pub fn resolve(flag: &str, value: &str) -> Result<Input, Failure> {
    let usage = |problem: String| Failure::new(Status::Usage, format!("{flag}: {problem}"));
    let (raw, source) = if value == "-" {
        if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
            return Err(usage(
                "stdin was already read for another option; give this one as @FILE".into(),
            ));
        }
        let raw = read_capped(std::io::stdin().lock())
            .map_err(|e| usage(format!("cannot read stdin: {e}")))?;
        (raw, format!("{flag} - (stdin)"))
    } else if let Some(path) = value.strip_prefix('@') {
        let read = || -> std::io::Result<Vec<u8>> {
            let file = std::fs::File::open(path)?;
            if file.metadata()?.is_dir() {
                return Err(std::io::Error::other("it is a directory"));
            }
            read_capped(file)
        };
        let raw = read().map_err(|e| usage(format!("cannot read {path}: {e}")))?;
        (raw, format!("{flag} @{path}"))
    } else {
        return Ok(Input {
            text: value.to_owned(),
            source: flag.to_owned(),
        });
    };
    let mut text =
        String::from_utf8(raw).map_err(|_| usage(format!("{source} is not UTF-8 text")))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(Input { text, source })
}

/// All of `reader`, or an error when it holds more than [`MAX_INPUT`] bytes.
fn read_capped(reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(MAX_INPUT as u64 + 1).read_to_end(&mut out)?;
    if out.len() > MAX_INPUT {
        return Err(std::io::Error::other(format!(
            "more than {MAX_INPUT} bytes; a kwargs object or a connection is far smaller"
        )));
    }
    Ok(out)
}
