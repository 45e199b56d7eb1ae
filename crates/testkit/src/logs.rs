//! Capturing every `tracing` event of a test binary, at TRACE, to prove no secret is ever logged.
//!
//! ```no_run
//! let logs = airflow_secrets_testkit::logs::capture();
//! // ... run lookups that handle "s3cr3t" ...
//! logs.assert_free_of(&["s3cr3t"]);
//! ```
//!
//! The subscriber is global (installed once per test binary), so it also sees events from tasks on other
//! threads and from the SDKs' own instrumentation (hyper, rustls, reqwest, the AWS/Azure/Google crates).
//! Tests running in parallel share the buffer; each test checks for its own secrets, which is sound:
//! whatever a test logged is in the buffer by the time it checks.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;

/// The shared log buffer.
#[derive(Debug, Clone, Default)]
pub struct Logs {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl Logs {
    /// Everything captured so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().expect("log buffer")).into_owned()
    }

    /// Panics, naming the secret's length and the line (not all the logs, which would be long), if any of
    /// `secrets` — or its percent-encoded spelling ([`spellings`]) — appears in the captured logs.
    pub fn assert_free_of(&self, secrets: &[&str]) {
        let text = self.contents();
        assert!(
            !text.is_empty(),
            "no log line was captured: is TRACE capture installed?"
        );
        for secret in secrets {
            for spelling in spellings(secret) {
                if let Some(at) = text.find(&spelling) {
                    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                    panic!(
                        "a secret ({} chars) was logged in this line:\n{}",
                        secret.len(),
                        &text[start..end]
                    );
                }
            }
        }
    }
}

/// The ways a secret can show up in text: plain, and percent-encoded when that differs.
pub fn spellings(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let encoded: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if encoded != secret {
        out.push(encoded);
    }
    out
}

/// Writes into the shared buffer.
#[derive(Debug)]
pub struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = BufferWriter;
    fn make_writer(&'a self) -> BufferWriter {
        BufferWriter(self.buffer.clone())
    }
}

/// Installs (once) a global TRACE subscriber writing into a shared buffer, and returns that buffer.
/// Panics if another global subscriber was installed first, since the capture would then be empty.
pub fn capture() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs.clone())
            .try_init()
            .expect(
                "the TRACE log capture must be the first global subscriber of this test binary",
            );
        tracing::trace!("log capture installed");
        logs
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_and_finds_secrets() {
        let logs = capture();
        tracing::trace!(user = "ada", "harmless line");
        logs.assert_free_of(&["s3cr3t"]);
        tracing::debug!(value = "p@ss word", "oops");
        let found = std::panic::catch_unwind(|| logs.assert_free_of(&["p@ss word"]));
        assert!(found.is_err());
        assert_eq!(spellings("p@ss word"), ["p@ss word", "p%40ss%20word"]);
    }
}
