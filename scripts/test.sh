#!/usr/bin/env bash
# The project's test command (README "Quick start: the two commands"; CI runs exactly this via .ci/run).
# On a fresh machine it installs what the suites need (Python venv with OpenBao and moto, PostgreSQL and
# MariaDB server binaries),
# then checks formatting, lints and docs (docs.rs's build included), packages every published crate
# (scripts/check-packages.sh), checks the dependency policy (deny.toml; cargo-deny is installed when
# missing), runs every test of every crate with every provider compiled in, and checks that
# single-provider builds pull in no other provider's SDK. Servers are started by the tests
# themselves on 127.0.0.1 and stopped by PID when each test ends.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-test-env.sh
scripts/install-postgres.sh
scripts/install-mariadb.sh
export PATH="$PWD/.venv/bin:$PATH"
# Belt and braces: no SDK in any test may probe a cloud metadata endpoint.
export AWS_EC2_METADATA_DISABLED=true

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
# Every public item is documented (missing_docs is a clippy error above) and every doc link resolves.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps
# docs.rs's build of the facade: every feature, each feature-gated item marked with its feature
# (`doc_cfg`, a nightly feature docs.rs uses; RUSTC_BOOTSTRAP lets this stable toolchain check it).
RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo doc -p airflow-secrets --all-features --no-deps
# The published crates package (in dependency order) and hold what they should; the dependency policy
# (deny.toml: licences, duplicate versions, crates.io only).
scripts/check-packages.sh
command -v cargo-deny >/dev/null || cargo install --locked --quiet cargo-deny
cargo deny check bans licenses sources
cargo test --workspace --all-features
# The provider-less facade: compiled-out providers must name their cargo feature.
cargo test -p airflow-secrets --no-default-features --lib
# The README's main job on the embedded default.
out=$(env -u AIRFLOW__SECRETS__BACKEND -u AIRFLOW__SECRETS__BACKEND_KWARGS cargo run -q --example print_variable)
echo "$out"
grep -qx 'My variable is: my-test-variable' <<<"$out"
grep -qx 'My connection is: postgres://user:\*\*\*@db.example.com:5432/mydb' <<<"$out"
scripts/check-feature-isolation.sh
# The criterion benches are built, not run (cargo bench runs them; numbers in docs/performance.md).
cargo bench --no-run -p airflow-secrets-core -p airflow-secrets
# The fuzz targets are built, not run (scripts/fuzz.sh run does that).
scripts/fuzz.sh build
echo "all checks passed"
