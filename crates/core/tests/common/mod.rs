//! Helpers shared by this crate's integration tests.
// Each test binary uses only some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use airflow_secrets_core::{Connection, ConnectionFlavor, SecretsBackend};

/// A committed fixture in `tests/data/local_filesystem/`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/local_filesystem")
        .join(name)
}

/// Writes `content` to `name` in a fresh temporary directory.
pub fn file(name: &str, content: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// The connection `conn_id` read in `flavor`; fails the test unless it is found.
pub async fn connection_as(
    b: &impl SecretsBackend,
    conn_id: &str,
    flavor: ConnectionFlavor,
) -> Connection {
    b.get_connection_as(conn_id, flavor)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{conn_id} not found"))
}

/// Fails the test with every collected failure, counted: `"{n} {what}:"`, then one failure a line.
#[track_caller]
pub fn assert_no_failures(failures: &[String], what: &str) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Deterministic pseudo-random numbers (xorshift64*), so the sweeps need no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}
