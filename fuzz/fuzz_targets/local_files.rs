//! Fuzz target `local_files`: see `check_local_files` in `fuzz/checks.rs` for what it checks.
//!
//! On top of those invariants, no input may make the parsers hold more than [`MAX_LIVE_BYTES`] at
//! once: a counting allocator refuses the allocation that would go past it, which aborts the run
//! with `memory allocation of N bytes failed` (a crash libFuzzer saves), long before the machine
//! runs out of memory. `scripts/fuzz.sh` adds libFuzzer's own `-rss_limit_mb` / `-malloc_limit_mb`.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "../checks.rs"]
mod checks;

/// The most heap one input may use at once (inputs are at most 4 KiB: `-max_len=4096`). YAML anchors
/// and aliases may copy 8 MiB (`MAX_ALIAS_BYTES`, estimated); the check parses a document twice and
/// writes it as JSON (up to 6 bytes per character), so 256 MiB leaves room without hiding a bomb.
const MAX_LIVE_BYTES: usize = 256 << 20;

/// Bytes allocated and not yet freed.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// `LIVE` may not exceed this during an input (`usize::MAX` outside of one).
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
/// The highest `LIVE` since the current input started.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The most any input has used so far, for `LOCAL_FILES_REPORT_PEAK`.
static WORST: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl Counting {
    /// Counts `size` more bytes, or refuses them (`false`) when that goes past the limit.
    fn take(size: usize) -> bool {
        let now = LIVE.fetch_add(size, Ordering::Relaxed).saturating_add(size);
        if now > LIMIT.load(Ordering::Relaxed) {
            LIVE.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        true
    }

    fn give(size: usize) {
        LIVE.fetch_sub(size, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System`; only the byte count is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !Self::take(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            Self::give(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !Self::take(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            Self::give(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        Self::give(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grow = new_size.saturating_sub(layout.size());
        if !Self::take(grow) {
            return std::ptr::null_mut();
        }
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            Self::give(grow);
        } else {
            Self::give(layout.size().saturating_sub(new_size));
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    LIMIT.store(base.saturating_add(MAX_LIVE_BYTES), Ordering::Relaxed);
    checks::check_local_files(data);
    LIMIT.store(usize::MAX, Ordering::Relaxed);
    // With LOCAL_FILES_REPORT_PEAK set (replaying a corpus for the README's numbers), each new
    // record of heap used by one input is printed.
    let used = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    if used > WORST.fetch_max(used, Ordering::Relaxed)
        && std::env::var_os("LOCAL_FILES_REPORT_PEAK").is_some()
    {
        eprintln!("local_files: new peak heap for one input: {used} bytes");
    }
});
