#!/usr/bin/env bash
# Fuzzing the parsers of airflow-secrets-core with cargo-fuzz (libFuzzer), on the stable toolchain.
#
#   scripts/fuzz.sh build            build every target (what CI runs; installs cargo-fuzz if missing)
#   scripts/fuzz.sh run [SECONDS]    seed the corpora, then run each target for SECONDS (default 600),
#                                    one after another, one job, niced
#   scripts/fuzz.sh run SECONDS T..  the same, for the named targets only
#   scripts/fuzz.sh seed             (re)write the seed inputs into fuzz/corpus/<target>/
#
# Targets (fuzz/fuzz_targets/, invariants in fuzz/checks.rs): connection_uri, connection_json,
# backend_kwargs, local_files. Crashes land in fuzz/artifacts/<target>/; reproduce one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>` and add it to fuzz/regressions/<target>/ (the
# test crates/core/tests/fuzz_regressions.rs replays that folder). Corpora, artifacts and logs stay out
# of git (fuzz/.gitignore).
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer=address ...); RUSTC_BOOTSTRAP=1 lets the
# stable compiler accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZ_DIR=$ROOT/fuzz
TARGETS=(connection_uri connection_json backend_kwargs local_files)
export RUSTC_BOOTSTRAP=1

need_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "installing cargo-fuzz" >&2
        cargo install cargo-fuzz --locked
    fi
}

build() {
    need_cargo_fuzz
    cargo fuzz build --fuzz-dir "$FUZZ_DIR" "$@"
}

# Seed inputs: the Airflow connection cases and the local-file fixtures the test suites use, plus a
# few kwargs objects. Written as one file per input, named by content hash.
seed() {
    local corpus=$FUZZ_DIR/corpus
    mkdir -p "$corpus"/{connection_uri,connection_json,backend_kwargs,local_files}
    python3 - "$ROOT/crates/core/tests/data/airflow-conn-uri-cases.json" "$corpus" <<'PY'
import hashlib, json, os, sys
cases = json.load(open(sys.argv[1]))
corpus = sys.argv[2]
def put(target, text):
    data = text.encode() if isinstance(text, str) else text
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)
for case in cases:
    for key in ("uri", "expect_uri"):
        if isinstance(case.get(key), str):
            put("connection_uri", case[key])
            put("connection_json", case[key])
    for key in ("json", "expect_as_json"):
        value = case.get(key)
        if value is not None:
            put("connection_json", value if isinstance(value, str) else json.dumps(value))
    for key in ("fields", "vault_secret_data"):
        if isinstance(case.get(key), dict):
            put("connection_json", json.dumps(case[key]))
for kwargs in [
    "", "{}", "null", "[]",
    '{"variables_file_path": "/files/var.json", "connections_file_path": null}',
    '{"configs_file_path": ""}',
    '{"connections_prefix": null, "variables_prefix": "airflow/variables", "sep": "/"}',
    '{"verify": "False", "use_ssl": "yes", "timeout": "2.5", "kv_engine_version": 1}',
    '{"retries": "3", "offset": -1, "auth_type": "approle", "scopes": ["a", "b"]}',
    '{"session_kwargs": {"profile_name": "x", "S3CR3T": 1}, "verify": "S3CR3T"}',
    '{"timeout": "S3CR3T", "kv_engine_version": 700}',
]:
    put("backend_kwargs", kwargs)
PY
    cp "$ROOT"/crates/core/tests/data/local_filesystem/* "$corpus/local_files/"
    # Earlier findings are seeds too.
    for t in "${TARGETS[@]}"; do
        if [ -d "$FUZZ_DIR/regressions/$t" ]; then
            cp "$FUZZ_DIR/regressions/$t"/* "$corpus/$t/" 2>/dev/null || true
        fi
    done
    for t in "${TARGETS[@]}"; do
        echo "seeded $t: $(ls "$corpus/$t" | wc -l) inputs" >&2
    done
}

run() {
    local seconds=${1:-600}
    shift || true
    local targets=("$@")
    [ ${#targets[@]} -gt 0 ] || targets=("${TARGETS[@]}")
    for t in "${targets[@]}"; do build "$t"; done
    seed
    mkdir -p "$FUZZ_DIR/logs"
    for t in "${targets[@]}"; do
        echo "== $t: ${seconds}s" >&2
        local log=$FUZZ_DIR/logs/$t
        mkdir -p "$log"
        # -jobs=1 runs the fuzzer in one worker process whose output goes to $log/fuzz-0.log.
        # Memory bounds: one allocation over 256 MiB is a crash, and so is a process past 2 GiB of RSS
        # (ASan's quarantine and the loaded corpus included: replaying a 2,800-input local_files
        # corpus alone reaches ~850 MB). local_files also counts every allocation: at most 256 MiB
        # live per input (fuzz/fuzz_targets/local_files.rs).
        (cd "$log" && nice -n 10 cargo fuzz run --fuzz-dir "$FUZZ_DIR" "$t" "$FUZZ_DIR/corpus/$t" -- \
            -max_total_time="$seconds" -jobs=1 -workers=1 -dict="$FUZZ_DIR/dicts/$t.dict" \
            -max_len=4096 -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1) || status=$?
        tail -n 25 "$log/fuzz-0.log" >&2 || true
        echo "== $t: corpus $(ls "$FUZZ_DIR/corpus/$t" | wc -l) inputs, exit ${status:-0}" >&2
        if [ -n "${status:-}" ]; then
            echo "$t found a crash: see $FUZZ_DIR/artifacts/$t/" >&2
            return "$status"
        fi
    done
}

case "${1:-}" in
    build) shift; build "$@" ;;
    run) shift; run "$@" ;;
    seed) seed ;;
    *)
        sed -n '2,8p' "$0" >&2
        exit 2
        ;;
esac
