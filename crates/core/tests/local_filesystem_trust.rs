//! Issue "Trust", item 1: a local secrets file can never take the process down. Nesting and alias
//! bombs, files that are not regular files and oversized files are each a clear error naming the file
//! (and the line, for YAML), returned within a bounded time.
//!
//! Every lookup runs on a fresh thread with the default 2 MiB stack (and tokio's blocking threads have
//! 2 MiB too), so a recursion that is not bounded overflows and aborts the test binary; a lookup that
//! hangs fails the test after [`DEADLINE`].
//!
//! Memory: this test binary counts every allocation per thread ([`Counting`]). The `*_memory_*` tests
//! run their lookup inline on one thread (no tokio runtime, so the backend does not hop threads),
//! measure its peak of live heap bytes, and refuse (abort on) any allocation past [`HARD_LIMIT`], so
//! that a regression fails the test without taking the machine down.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use airflow_secrets_core::local_filesystem::{
    MAX_ALIAS_BYTES, MAX_ENTRIES, MAX_FILE_BYTES, MAX_NESTING_DEPTH, MAX_NODES, MAX_REPORTED_ERRORS,
};
use airflow_secrets_core::{Error, LocalFilesystemBackend, SecretKind, SecretsBackend};

/// A generous bound: every case below ends in well under a second.
const DEADLINE: Duration = Duration::from_secs(10);

/// Looks `key` up as a variable (or, for `connections_*` files, as a connection) on a new 2 MiB thread
/// and returns the error it must end with, failing the test if it hangs or succeeds.
fn lookup_error(path: &Path, key: &str) -> Error {
    let shown = path.display().to_string();
    let path = path.to_owned();
    let key = key.to_owned();
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let is_conn = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("connections"));
            let outcome = runtime.block_on(async {
                if is_conn {
                    let b = LocalFilesystemBackend::new().with_connections_file_path(&path);
                    b.get_conn_value(&key).await.map(|v| v.is_some())
                } else {
                    let b = LocalFilesystemBackend::new().with_variables_file_path(&path);
                    b.get_variable(&key).await.map(|v| v.is_some())
                }
            });
            let _ = tx.send(outcome);
        })
        .unwrap();
    let outcome = rx
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("the lookup in {shown} did not end within {DEADLINE:?}"));
    assert!(started.elapsed() < DEADLINE);
    match outcome {
        Ok(found) => panic!("{shown} loaded (found: {found}); an error was expected"),
        Err(e) => e,
    }
}

/// The error names the file, and (for parse errors) the line.
fn assert_names_file(e: &Error, path: &Path) {
    let shown = e.to_string();
    assert!(
        shown.contains(&path.display().to_string()),
        "the error does not name the file: {shown}"
    );
}

fn parse_lines(e: &Error) -> Vec<Option<usize>> {
    match e {
        Error::FileParse { errors, .. } => errors.iter().map(|p| p.line).collect(),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn read_error_message(e: &Error, kind: SecretKind) -> String {
    match e {
        Error::FileRead {
            kind: k, source, ..
        } => {
            assert_eq!(*k, kind);
            source.to_string()
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

/// The 25 KB file of the issue: each anchor wraps the previous anchor's alias in 990 more levels of
/// compact block sequences (`- - - *a0`). The alias *node* count stays small, but the expanded
/// document is ~11,000 levels deep.
fn nesting_bomb() -> String {
    const LEVELS: usize = 990;
    let mut doc = format!("a0: &a0\n  {}x\n", "- ".repeat(LEVELS));
    for i in 1..12 {
        doc.push_str(&format!(
            "a{i}: &a{i}\n  {}*a{}\n",
            "- ".repeat(LEVELS),
            i - 1
        ));
    }
    doc
}

#[test]
fn trust_01_yaml_nesting_bomb_is_an_error_naming_file_and_line() {
    let doc = nesting_bomb();
    assert!((20_000..30_000).contains(&doc.len()), "{}", doc.len());
    let (_dir, path) = common::file("variables.yaml", &doc);
    let e = lookup_error(&path, "a0");
    assert_names_file(&e, &path);
    assert_eq!(parse_lines(&e), [Some(2)], "{e}");
    assert!(e.to_string().contains("nesting deeper than"), "{e}");
}

#[test]
fn trust_01_yaml_aliases_cannot_nest_past_the_depth_cap() {
    // Each anchor stays under the cap by itself; its alias inside the next one goes past it.
    let levels = MAX_NESTING_DEPTH - 10;
    let mut doc = format!("a0: &a0 {}x{}\n", "[".repeat(levels), "]".repeat(levels));
    for i in 1..60 {
        doc.push_str(&format!(
            "a{i}: &a{i} {}*a{}{}\n",
            "[".repeat(levels),
            i - 1,
            "]".repeat(levels)
        ));
    }
    let (_dir, path) = common::file("variables.yaml", &doc);
    let e = lookup_error(&path, "a0");
    assert_names_file(&e, &path);
    assert_eq!(parse_lines(&e), [Some(2)], "{e}");
    assert!(e.to_string().contains("nesting deeper than"), "{e}");
}

#[test]
fn trust_01_yaml_alias_byte_amplification_is_refused() {
    // One 64 KiB scalar and 20,000 aliases of it: 1.3 GB once expanded.
    let mut doc = format!("big: &big \"{}\"\ncopies:\n", "x".repeat(64 * 1024));
    doc.push_str(&"- *big\n".repeat(20_000));
    let (_dir, path) = common::file("variables.yaml", &doc);
    let e = lookup_error(&path, "big");
    assert_names_file(&e, &path);
    let lines = parse_lines(&e);
    // Refused at the alias that goes past the budget, well before the last one.
    let copies = MAX_ALIAS_BYTES / (64 * 1024);
    assert!(
        matches!(lines[..], [Some(line)] if line > 2 && line <= 3 + copies),
        "{lines:?} {e}"
    );
    assert!(e.to_string().contains("aliases expand to more than"), "{e}");
}

#[test]
fn trust_01_yaml_deep_plain_nesting_is_an_error_with_its_line() {
    // Closed properly, deeper than the cap: refused at the bracket that goes past it.
    for depth in [MAX_NESTING_DEPTH + 1, 500, 100_000] {
        let doc = format!("ok: 1\nv: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let (_dir, path) = common::file("variables.yaml", &doc);
        let e = lookup_error(&path, "ok");
        assert_names_file(&e, &path);
        assert_eq!(parse_lines(&e), [Some(2)], "{depth}: {e}");
        assert!(e.to_string().contains("nesting deeper than"), "{e}");
    }
    // Block style, too.
    let mut doc = String::from("ok: 1\nv:\n");
    for level in 0..MAX_NESTING_DEPTH + 5 {
        doc.push_str(&format!("{}k:\n", " ".repeat(2 * (level + 1))));
    }
    let (_dir, path) = common::file("variables.yaml", &doc);
    let e = lookup_error(&path, "ok");
    assert_names_file(&e, &path);
    assert!(e.to_string().contains("nesting deeper than"), "{e}");
}

#[test]
fn trust_01_nesting_at_the_cap_still_loads() {
    // `v` sits in the top-level mapping, so it may hold MAX_NESTING_DEPTH - 1 levels.
    let depth = MAX_NESTING_DEPTH - 1;
    let doc = format!("v: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let (_dir, path) = common::file("variables.yaml", &doc);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let b = LocalFilesystemBackend::new().with_variables_file_path(&path);
    let v = runtime.block_on(b.get_variable("v")).unwrap().unwrap();
    assert_eq!(
        v.expose(),
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    );
}

#[test]
fn trust_01_json_deep_plain_nesting_is_an_error_with_its_line() {
    for depth in [500, 100_000] {
        let doc = format!(
            "{{\"ok\": 1,\n\"v\": {}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let (_dir, path) = common::file("variables.json", &doc);
        let e = lookup_error(&path, "ok");
        assert_names_file(&e, &path);
        assert_eq!(parse_lines(&e), [Some(2)], "{e}");
        assert!(e.to_string().contains("recursion limit"), "{e}");
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn trust_01_a_fifo_without_writer_is_an_error_not_a_hang() {
    for name in [
        "variables.env",
        "variables.json",
        "variables.yaml",
        "connections.yaml",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        mkfifo(&path);
        let e = lookup_error(&path, "k");
        assert_names_file(&e, &path);
        let kind = if name.starts_with("connections") {
            SecretKind::Connection
        } else {
            SecretKind::Variable
        };
        let message = read_error_message(&e, kind);
        assert!(message.contains("not a regular file (a FIFO)"), "{e}");
    }
}

#[test]
fn trust_01_a_symlink_to_dev_zero_is_an_error_not_an_oom() {
    for name in ["variables.env", "variables.json", "connections.json"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let e = lookup_error(&path, "k");
        assert_names_file(&e, &path);
        let kind = if name.starts_with("connections") {
            SecretKind::Connection
        } else {
            SecretKind::Variable
        };
        let message = read_error_message(&e, kind);
        assert!(message.contains("not a regular file (a device)"), "{e}");
    }
}

#[test]
fn trust_01_a_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("variables.yaml");
    std::fs::create_dir(&path).unwrap();
    let e = lookup_error(&path, "k");
    assert_names_file(&e, &path);
    let message = read_error_message(&e, SecretKind::Variable);
    assert!(message.contains("not a regular file (a directory)"), "{e}");
}

#[test]
fn trust_01_an_oversized_sparse_file_is_refused_unread() {
    for name in ["variables.env", "variables.yaml", "connections.json"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(65 * 1024 * 1024).unwrap();
        drop(file);
        let e = lookup_error(&path, "k");
        assert_names_file(&e, &path);
        let kind = if name.starts_with("connections") {
            SecretKind::Connection
        } else {
            SecretKind::Variable
        };
        let message = read_error_message(&e, kind);
        assert!(
            message.contains(&format!("larger than the {} MiB", MAX_FILE_BYTES >> 20)),
            "{e}"
        );
    }
}

#[test]
fn trust_01_a_file_at_the_size_cap_is_read() {
    // Exactly MAX_FILE_BYTES: a comment line padded to the cap, then one variable.
    let tail = "\nk=v\n";
    let mut content = String::from("#");
    content.push_str(&" ".repeat(MAX_FILE_BYTES as usize - 1 - tail.len()));
    content.push_str(tail);
    assert_eq!(content.len() as u64, MAX_FILE_BYTES);
    let (_dir, path) = common::file("variables.env", &content);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let b = LocalFilesystemBackend::new().with_variables_file_path(&path);
    let v = runtime.block_on(b.get_variable("k")).unwrap().unwrap();
    assert_eq!(v.expose(), "v");
}

// ----- memory: files under the size cap must not cost gigabytes --------------------------------------

/// The most a measured lookup may hold at once before its allocations fail (and the binary aborts).
const HARD_LIMIT: isize = 1 << 30;

thread_local! {
    /// Live heap bytes allocated minus freed by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The highest `LIVE` since the measure began.
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// Whether this thread is being measured (and held to `HARD_LIMIT`).
    static MEASURED: Cell<bool> = const { Cell::new(false) };
}

/// The system allocator, counting each thread's live bytes.
struct Counting;

/// Counts `delta` bytes for this thread; `false` when a measured thread would pass `HARD_LIMIT`.
fn track(delta: isize) -> bool {
    let live = LIVE.with(|l| l.get()) + delta;
    if delta > 0 && MEASURED.with(Cell::get) && live > HARD_LIMIT {
        return false;
    }
    LIVE.with(|l| l.set(live));
    PEAK.with(|p| p.set(p.get().max(live)));
    true
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are plain thread-locals with
// const initialisers (no allocation, no destructor).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !track(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !track(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !track(new_size as isize - layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Looks `key` up as a variable (or, for `connections_*` files, as a connection) inline on a new
/// thread, and returns the outcome with the peak of heap bytes the lookup held at once.
fn measured_lookup(path: &Path, key: &str) -> (Result<bool, Error>, usize) {
    let path = path.to_owned();
    let key = key.to_owned();
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let is_conn = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("connections"));
            let conn = LocalFilesystemBackend::new().with_connections_file_path(&path);
            let var = LocalFilesystemBackend::new().with_variables_file_path(&path);
            let start = LIVE.with(Cell::get);
            PEAK.with(|p| p.set(start));
            MEASURED.with(|m| m.set(true));
            // Outside a tokio runtime the backend reads and parses inline: one poll finishes it.
            let outcome = block_on(async {
                if is_conn {
                    conn.get_conn_value(&key).await.map(|v| v.is_some())
                } else {
                    var.get_variable(&key).await.map(|v| v.is_some())
                }
            });
            MEASURED.with(|m| m.set(false));
            let peak = PEAK.with(Cell::get) - start;
            (outcome, usize::try_from(peak).unwrap_or(0))
        })
        .unwrap()
        .join()
        .unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// What the module documentation promises beyond the text and the strings copied from it.
const PARSE_BYTES: usize = 192 << 20;

/// The documented bound for these files (ASCII, no long strings): three times the file (its text
/// and copies of its strings) plus `PARSE_BYTES`.
fn memory_bound(file_len: usize) -> usize {
    3 * file_len + PARSE_BYTES
}

/// Checks the measured peak against [`memory_bound`], and prints it.
fn assert_bounded(what: &str, file_len: usize, peak: usize) {
    println!(
        "{what}: {:.1} MiB file, peak {:.1} MiB",
        file_len as f64 / 1048576.0,
        peak as f64 / 1048576.0
    );
    assert!(
        peak <= memory_bound(file_len),
        "{what}: peak {peak} bytes for a {file_len}-byte file, more than {}",
        memory_bound(file_len)
    );
}

/// The error from a measured lookup that must fail, with its peak.
fn measured_error(path: &Path, key: &str, what: &str) -> Error {
    let len = std::fs::metadata(path).unwrap().len() as usize;
    let (outcome, peak) = measured_lookup(path, key);
    assert_bounded(what, len, peak);
    let e = match outcome {
        Ok(found) => panic!("{what} loaded (found: {found}); an error was expected"),
        Err(e) => e,
    };
    assert_names_file(&e, path);
    // Bounded output whatever the file: at most MAX_REPORTED_ERRORS problems and a count.
    assert!(
        e.to_string().len() < 8 * 1024,
        "{what}: {} bytes of error",
        e.to_string().len()
    );
    e
}

fn parse_errors(e: &Error) -> Vec<airflow_secrets_core::FileParseError> {
    match e {
        Error::FileParse { errors, .. } => errors.clone(),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

/// The reviewer's `.env` files: millions of bad lines, each reported (1.9 GB and 385 MB of error
/// text at 8 MiB; an abort at 64 MiB).
#[test]
fn trust_01_env_bad_lines_cost_bounded_memory_and_error_output() {
    for (what, line) in [("`x` lines", "x\n"), ("whitespace lines", " \n")] {
        let lines = 4 << 20;
        let (_dir, path) = common::file("variables.env", line.repeat(lines));
        let e = measured_error(&path, "k", what);
        let errors = parse_errors(&e);
        assert_eq!(errors.len(), MAX_REPORTED_ERRORS + 1, "{what}: {e}");
        let listed: Vec<_> = errors[..MAX_REPORTED_ERRORS]
            .iter()
            .map(|p| p.line)
            .collect();
        let want: Vec<_> = (1..=MAX_REPORTED_ERRORS).map(Some).collect();
        assert_eq!(listed, want, "{what}");
        let last = &errors[MAX_REPORTED_ERRORS];
        assert_eq!(last.line, None);
        assert!(
            last.message.starts_with(&format!(
                "and {} more invalid lines",
                lines - MAX_REPORTED_ERRORS
            )),
            "{what}: {e}"
        );
    }
}

/// The reviewer's `.env` files of millions of keys (1.8 GB for 16M unique keys, 1.26 GB for 16M
/// repeats of one key): refused past MAX_ENTRIES lines.
#[test]
fn trust_01_env_too_many_entries_is_refused_within_bounded_memory() {
    let unique: String = (0..MAX_ENTRIES + MAX_ENTRIES / 2)
        .map(|i| format!("k{i:07}=v\n"))
        .collect();
    let repeated = "k=v\n".repeat(4 * MAX_ENTRIES);
    for (what, text) in [("unique keys", unique), ("one repeated key", repeated)] {
        let (_dir, path) = common::file("variables.env", &text);
        drop(text);
        let e = measured_error(&path, "k", what);
        assert_eq!(parse_lines(&e), [Some(MAX_ENTRIES + 1)], "{what}: {e}");
        assert!(e.to_string().contains("more than 1000000 entries"), "{e}");
    }
}

#[test]
fn trust_01_env_entry_limit_is_exact_and_duplicates_are_listed_briefly() {
    // MAX_ENTRIES lines load; one more does not.
    let mut text: String = (0..MAX_ENTRIES).map(|i| format!("k{i}=v\n")).collect();
    let (_dir, path) = common::file("variables.env", &text);
    let (outcome, _) = measured_lookup(&path, "k7");
    assert!(outcome.unwrap(), "k7 is in the file");
    text.push_str("extra=1\n");
    let (_dir, path) = common::file("variables.env", &text);
    let e = measured_error(&path, "k7", "one entry too many");
    assert_eq!(parse_lines(&e), [Some(MAX_ENTRIES + 1)], "{e}");

    // 100,000 repeated keys: the error lists MAX_REPORTED_ERRORS and counts the others.
    let text: String = (0..100_000).map(|i| format!("k{i}=1\nk{i}=2\n")).collect();
    let (_dir, path) = common::file("variables.env", &text);
    let e = measured_error(&path, "k1", "repeated keys");
    let Error::DuplicateKeys { keys, .. } = &e else {
        panic!("expected duplicate keys, got {e:?}");
    };
    assert_eq!(keys.len(), MAX_REPORTED_ERRORS + 1, "{e}");
    assert_eq!(keys[0], "k0");
    assert_eq!(
        keys[MAX_REPORTED_ERRORS],
        format!("and {} more", 100_000 - MAX_REPORTED_ERRORS)
    );
}

/// The reviewer's JSON file `{"a":[[],[],…]}`: 54 times its size in memory (an abort at 64 MiB).
#[test]
fn trust_01_json_many_tiny_values_are_refused_within_bounded_memory() {
    let items = 5_000_000;
    let doc = format!("{{\"a\":[\n{}[]]}}", "[],".repeat(items));
    let (_dir, path) = common::file("variables.json", &doc);
    let e = measured_error(&path, "a", "JSON [[],…]");
    assert_eq!(parse_lines(&e), [Some(2)], "{e}");
    assert!(e.to_string().contains("more than 1000000 nodes"), "{e}");
}

#[test]
fn trust_01_json_node_limit_is_exact() {
    // {"a": [0, 0, …]}: the object, its key and the list are 3 nodes.
    let doc = |zeros: usize| format!("{{\"a\": [{}0]}}", "0,".repeat(zeros - 1));
    let (_dir, path) = common::file("variables.json", doc(MAX_NODES - 3));
    let (outcome, _) = measured_lookup(&path, "a");
    assert!(outcome.unwrap());
    let (_dir, path) = common::file("variables.json", doc(MAX_NODES - 2));
    let e = measured_error(&path, "a", "one JSON node too many");
    assert!(e.to_string().contains("more than 1000000 nodes"), "{e}");
}

/// The reviewer's YAML files `a: [[],[],…]` and `- []` blocks: ~42 MB of memory per MiB.
#[test]
fn trust_01_yaml_many_tiny_values_are_refused_within_bounded_memory() {
    let items = 4_000_000;
    let flow = format!("a: [{}[]]\n", "[],".repeat(items));
    let block = format!("a:\n{}", "- []\n".repeat(items));
    for (what, doc) in [("YAML flow [[],…]", flow), ("YAML block - []", block)] {
        let (_dir, path) = common::file("variables.yaml", &doc);
        drop(doc);
        let e = measured_error(&path, "a", what);
        let lines = parse_lines(&e);
        let want = if what.contains("flow") {
            1
        } else {
            MAX_NODES / 2
        };
        assert!(matches!(lines[..], [Some(l)] if l >= want), "{what}: {e}");
        assert!(
            e.to_string().contains("more than 1000000 nodes"),
            "{what}: {e}"
        );
    }
}

#[test]
fn trust_01_yaml_node_limit_is_exact_and_counts_aliases() {
    // a: [0, 0, …]: the mapping, its key and the list are 3 nodes.
    let doc = |zeros: usize| format!("a: [{}0]\n", "0,".repeat(zeros - 1));
    let (_dir, path) = common::file("variables.yaml", doc(MAX_NODES - 3));
    let (outcome, _) = measured_lookup(&path, "a");
    assert!(outcome.unwrap());
    let (_dir, path) = common::file("variables.yaml", doc(MAX_NODES - 2));
    let e = measured_error(&path, "a", "one YAML node too many");
    assert!(e.to_string().contains("more than 1000000 nodes"), "{e}");

    // Under the limit, then 1,001 nodes behind an anchor, aliased 60 times: past it once expanded.
    let mut doc = format!(
        "x: &x [{}0]\npad: [{}0]\ncopies:\n",
        "0,".repeat(999),
        "0,".repeat(MAX_NODES - 30_000)
    );
    doc.push_str(&"- *x\n".repeat(60));
    let (_dir, path) = common::file("variables.yaml", &doc);
    let e = measured_error(&path, "x", "aliased nodes");
    let lines = parse_lines(&e);
    assert!(matches!(lines[..], [Some(l)] if l > 4 && l < 60), "{e}");
    assert!(e.to_string().contains("more than 1000000 nodes"), "{e}");
}
