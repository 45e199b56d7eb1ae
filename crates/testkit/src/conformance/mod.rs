//! The conformance suite: the promises every provider keeps, written once and run by every provider's
//! mock suite with a [`Fixture`] that speaks that provider's wire format.
//!
//! A provider's suite implements [`Fixture`] over its mock store and calls [`conformance_tests!`](crate::conformance_tests)
//! (crate root) inside a `mod conformance`, which expands to one `#[tokio::test]` per scenario, so each
//! runs as `conformance::<scenario>` of that provider:
//!
//! | scenario | promise |
//! |---|---|
//! | `found` | a stored value is returned as stored |
//! | `not_found_is_one_read` | a missing key is `Ok(None)` after exactly one read request |
//! | `pattern_miss_sends_nothing` | a key the lookup pattern filters out sends no request at all |
//! | `disabled_kind_sends_nothing` | a kind whose prefix/path kwarg is `null` sends no request at all |
//! | `denied_names_the_location` | a 403 is `PermissionDenied` naming the store location |
//! | `transient_then_found` | two transient failures then a value: the value, after three reads |
//! | `refused_is_unavailable` | a refused port is `Unavailable`, quickly |
//! | `slow_drip_ends_at_the_deadline` | a body trickling a byte a second ends the lookup with `Unavailable` |
//! | `oversized_body_announced` / `oversized_body_chunked` | a 10 GB body is an error, read no further than the provider's cap |
//! | `cross_origin_redirect_carries_no_credential` | a redirect to another origin moves no credential there |
//! | `malformed_body_is_malformed_secret` | an answer not in the API's shape is `MalformedSecret`, without the body |
//! | `dot_segment_keys_stay_in_place` | keys with `.`/`..` segments (plain or percent-encoded) never reach another path |
//!
//! Every scenario also checks that no error's `Display` or `Debug`, no `Debug` of the backend and no
//! TRACE log line holds one of the fixture's [`Fixture::secrets`].

pub mod raw;

use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use serde_json::{Value, json};

use crate::logs::{Logs, spellings};
use raw::{Behaviour, RawServer};

/// The bound every scenario must end within (generous: the scenarios' own deadlines are seconds).
pub const SCENARIO_BOUND: Duration = Duration::from_secs(60);

/// The most a capped provider may let a raw server write for one oversized answer (its cap, plus what
/// sits in socket buffers on the way).
pub const BOUNDED_BYTES: u64 = 64 << 20;

/// The value the scenarios store.
pub const VALUE: &str = "conformance-value-5e31c7";
/// A secret planted in a malformed answer: it must never be shown.
pub const PLANTED: &str = "planted-secret-9a77d2";

/// How the fixture's mock store answers a read.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The value, in the store's wire format.
    Found(String),
    /// The store's "no such secret".
    NotFound,
    /// The store's 403 (access denied).
    Denied,
    /// A transient failure the provider retries (a 503, or the store's throttling answer).
    Transient,
    /// A success status whose body is not the API's shape, and which holds this string.
    Malformed(String),
}

/// A provider's mock store and how to build its backend, for the scenarios of this module.
#[async_trait::async_trait]
pub trait Fixture: Send + Sync {
    /// The most body bytes the provider reads of one answer; `None` when it cannot cap them (an SDK
    /// that reads whole bodies; the provider's README says so). With `None` the oversized-body
    /// scenarios check only that the lookup ends with an error within [`SCENARIO_BOUND`] (the raw
    /// server stops at [`raw::FLOOD_STOP_BYTES`]).
    const BODY_CAP: Option<u64>;

    /// Every credential the backend is given and every value the store serves: none may appear in any
    /// output.
    fn secrets(&self) -> Vec<String>;

    /// Strings whose presence in a request shows that it carried a credential (a token, the access key
    /// id of a signature).
    fn credentials(&self) -> Vec<String>;

    /// A backend reading from the fixture's mock store, with `kwargs` (Airflow's names) over the
    /// fixture's own. Retries must be quick (back-off of milliseconds) and allow at least three reads.
    async fn backend(&self, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error>;

    /// A backend whose store endpoint is `url` (a [`RawServer`], plain `http`, or a closed port), with
    /// `kwargs` over the fixture's own; the provider may front it as it needs (a TLS terminator).
    async fn backend_at(&self, url: &str, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error>;

    /// From now on, the mock store answers a read of `kind`/`key` with `answer`: the first `times`
    /// reads, or every read for `None` (a later `answer` for the same key applies after those).
    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>);

    /// How many read requests of `kind`/`key` the mock store received.
    async fn reads(&self, kind: SecretKind, key: &str) -> usize;

    /// The path of every request the mock store (and its login endpoints) received, in order.
    async fn request_paths(&self) -> Vec<String>;

    /// The kwarg whose `null` disables lookups of `kind` (`variables_prefix`, `variables_path`).
    fn prefix_kwarg(&self, kind: SecretKind) -> &'static str;

    /// Kwargs that make one request's deadline about 2 s.
    fn short_deadline(&self) -> Value;

    /// What the location of an error about `kind`/`key` contains (the path or name read).
    fn location(&self, kind: SecretKind, key: &str) -> String;

    /// The path prefixes a request of this fixture may have (the store's reads of `kind`, its login
    /// endpoints): a key with dot segments must never make a request outside them.
    fn allowed_paths(&self, kind: SecretKind) -> Vec<String>;
}

/// The log capture of the test binary, and the leak checks every scenario ends with.
struct Checks {
    logs: Logs,
    secrets: Vec<String>,
}

impl Checks {
    fn new<F: Fixture>(fixture: &F) -> Checks {
        let mut secrets = fixture.secrets();
        secrets.extend([VALUE.to_owned(), PLANTED.to_owned()]);
        Checks {
            logs: crate::logs::capture(),
            secrets,
        }
    }

    /// The error's Display and Debug hold no secret.
    #[track_caller]
    fn clean(&self, what: &str, err: &Error) {
        self.text(what, &format!("{err} / {err:?}"));
    }

    #[track_caller]
    fn text(&self, what: &str, text: &str) {
        for secret in &self.secrets {
            for spelling in spellings(secret) {
                assert!(
                    !text.contains(&spelling),
                    "{what}: a secret ({} chars) appears in: {text}",
                    secret.len()
                );
            }
        }
    }

    /// The backend's Debug (plain and pretty) and the logs hold no secret. Called when the value itself
    /// is no longer in play: the logs are shared by the binary's tests, so a served value is only
    /// checked if it is this suite's [`VALUE`] (which no log line may hold either).
    #[track_caller]
    fn finish(&self, backend: &dyn SecretsBackend) {
        self.text("backend Debug", &format!("{backend:?} {backend:#?}"));
        let refs: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        self.logs.assert_free_of(&refs);
    }
}

/// `get`, within [`SCENARIO_BOUND`] (a hang fails the scenario instead of blocking the suite).
async fn get(
    backend: &dyn SecretsBackend,
    kind: SecretKind,
    key: &str,
) -> Result<Option<String>, Error> {
    let lookup = backend.get(kind, key);
    let result = tokio::time::timeout(SCENARIO_BOUND, lookup)
        .await
        .unwrap_or_else(|_| panic!("{kind} `{key}`: no answer within {SCENARIO_BOUND:?}"));
    result.map(|v| v.map(|v| v.expose().to_owned()))
}

fn build(result: Result<Arc<dyn SecretsBackend>, Error>) -> Arc<dyn SecretsBackend> {
    result.unwrap_or_else(|e| panic!("the fixture's backend does not build: {e}"))
}

const KIND: SecretKind = SecretKind::Variable;

/// A stored value is returned as stored.
pub async fn found<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    fixture
        .answer(KIND, "conf_found", Answer::Found(VALUE.into()), None)
        .await;
    let backend = build(fixture.backend(json!({})).await);
    let got = get(&*backend, KIND, "conf_found").await;
    assert_eq!(got.ok().flatten().as_deref(), Some(VALUE));
    checks.finish(&*backend);
}

/// A missing key is `Ok(None)` after exactly one read.
pub async fn not_found_is_one_read<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    fixture
        .answer(KIND, "conf_missing", Answer::NotFound, None)
        .await;
    let backend = build(fixture.backend(json!({})).await);
    match get(&*backend, KIND, "conf_missing").await {
        Ok(None) => {}
        Ok(Some(_)) => panic!("a missing key returned a value"),
        Err(e) => panic!("a missing key is not an error: {e}"),
    }
    assert_eq!(fixture.reads(KIND, "conf_missing").await, 1, "reads");
    checks.finish(&*backend);
}

/// A key the lookup pattern filters out sends nothing.
pub async fn pattern_miss_sends_nothing<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    let backend = build(
        fixture
            .backend(json!({"variables_lookup_pattern": "^wanted_"}))
            .await,
    );
    assert!(matches!(get(&*backend, KIND, "unwanted").await, Ok(None)));
    assert_eq!(fixture.request_paths().await, Vec::<String>::new());
    checks.finish(&*backend);
}

/// A kind whose prefix kwarg is `null` sends nothing.
pub async fn disabled_kind_sends_nothing<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    let mut kwargs = serde_json::Map::new();
    kwargs.insert(fixture.prefix_kwarg(KIND).to_owned(), Value::Null);
    let backend = build(fixture.backend(Value::Object(kwargs)).await);
    assert!(matches!(get(&*backend, KIND, "conf_any").await, Ok(None)));
    assert_eq!(fixture.request_paths().await, Vec::<String>::new());
    checks.finish(&*backend);
}

/// A 403 is `PermissionDenied` naming the location.
pub async fn denied_names_the_location<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    fixture
        .answer(KIND, "conf_denied", Answer::Denied, None)
        .await;
    let backend = build(fixture.backend(json!({})).await);
    let err = get(&*backend, KIND, "conf_denied")
        .await
        .expect_err("a 403 is an error");
    checks.clean("denied", &err);
    let Error::PermissionDenied { location, key, .. } = &err else {
        panic!("expected PermissionDenied, got {err:?}");
    };
    assert_eq!(key, "conf_denied");
    let want = fixture.location(KIND, "conf_denied");
    assert!(location.contains(&want), "{location:?} names {want:?}");
    checks.finish(&*backend);
}

/// Two transient failures, then the value: returned after three reads.
pub async fn transient_then_found<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    fixture
        .answer(KIND, "conf_flaky", Answer::Transient, Some(2))
        .await;
    fixture
        .answer(KIND, "conf_flaky", Answer::Found(VALUE.into()), None)
        .await;
    let backend = build(fixture.backend(json!({})).await);
    let got = get(&*backend, KIND, "conf_flaky").await;
    assert_eq!(got.ok().flatten().as_deref(), Some(VALUE));
    assert_eq!(fixture.reads(KIND, "conf_flaky").await, 3, "reads");
    checks.finish(&*backend);
}

/// A refused port is `Unavailable`, quickly.
pub async fn refused_is_unavailable<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    let url = format!("http://127.0.0.1:{}", crate::free_port());
    let backend = build(fixture.backend_at(&url, json!({})).await);
    let started = Instant::now();
    let err = get(&*backend, KIND, "conf_refused")
        .await
        .expect_err("a refused port is an error");
    checks.clean("refused", &err);
    assert!(
        matches!(err, Error::Unavailable { .. }),
        "expected Unavailable, got {err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    checks.finish(&*backend);
}

/// A body trickling one byte a second ends the lookup with `Unavailable` (the request deadline).
pub async fn slow_drip_ends_at_the_deadline<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    let server = RawServer::start(Behaviour::Drip).await;
    let backend = build(
        fixture
            .backend_at(&server.url(), fixture.short_deadline())
            .await,
    );
    let err = get(&*backend, KIND, "conf_drip")
        .await
        .expect_err("a trickling body is an error");
    checks.clean("slow drip", &err);
    assert!(
        matches!(err, Error::Unavailable { .. }),
        "expected Unavailable, got {err:?}"
    );
    checks.finish(&*backend);
}

async fn oversized<F: Fixture>(fixture: &F, behaviour: Behaviour) {
    let checks = Checks::new(fixture);
    let server = RawServer::start(behaviour.clone()).await;
    let backend = build(fixture.backend_at(&server.url(), json!({})).await);
    let err = get(&*backend, KIND, "conf_huge")
        .await
        .expect_err("an endless body is an error");
    checks.clean("oversized body", &err);
    let written = server.written();
    if let Some(cap) = F::BODY_CAP {
        assert!(
            written < cap + BOUNDED_BYTES,
            "{behaviour:?}: the server wrote {written} bytes; the provider caps bodies at {cap}"
        );
    }
    checks.finish(&*backend);
}

/// A body announcing 10 GB is an error, read no further than the cap.
pub async fn oversized_body_announced<F: Fixture>(fixture: &F) {
    oversized(fixture, Behaviour::FloodAnnounced).await;
}

/// An endless chunked body is an error, read no further than the cap.
pub async fn oversized_body_chunked<F: Fixture>(fixture: &F) {
    oversized(fixture, Behaviour::FloodChunked).await;
}

/// A redirect to another origin moves no credential there.
pub async fn cross_origin_redirect_carries_no_credential<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    let elsewhere = RawServer::start(Behaviour::Record).await;
    let target = format!("{}/v1/elsewhere", elsewhere.url());
    let redirecting = RawServer::start(Behaviour::RedirectTo(target)).await;
    let backend = build(fixture.backend_at(&redirecting.url(), json!({})).await);
    match get(&*backend, KIND, "conf_redirect").await {
        Ok(Some(_)) => panic!("a redirect produced a value"),
        Ok(None) => {}
        Err(e) => checks.clean("redirect", &e),
    }
    assert!(
        !redirecting.requests().is_empty(),
        "the backend never reached the redirecting server"
    );
    for request in elsewhere.requests() {
        for credential in fixture.credentials() {
            assert!(
                !request.contains(&credential),
                "a credential reached the other origin: {}",
                request.lines().next().unwrap_or_default()
            );
        }
    }
    checks.finish(&*backend);
}

/// An answer that is not the API's shape is `MalformedSecret`, never quoting the body.
pub async fn malformed_body_is_malformed_secret<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    fixture
        .answer(
            KIND,
            "conf_malformed",
            Answer::Malformed(PLANTED.into()),
            None,
        )
        .await;
    let backend = build(fixture.backend(json!({})).await);
    let err = get(&*backend, KIND, "conf_malformed")
        .await
        .expect_err("a malformed answer is an error");
    checks.clean("malformed", &err);
    assert!(
        matches!(err, Error::MalformedSecret { .. }),
        "expected MalformedSecret, got {err:?}"
    );
    checks.finish(&*backend);
}

/// The keys of [`dot_segment_keys_stay_in_place`].
pub const DOT_KEYS: &[&str] = &[
    "..",
    ".",
    "team/../../other/x",
    "team/./../other/x",
    "team/%2e%2e/%2E%2E/other/x",
    "team/.%2e/other/x",
    "team\\..\\..\\other\\x",
    "..\t",
    ".\n.",
];

/// Keys with dot segments (plain, percent-encoded, with backslashes or control characters) never make a
/// request outside the fixture's [`Fixture::allowed_paths`]; each is `None`, an error, or a read in place.
pub async fn dot_segment_keys_stay_in_place<F: Fixture>(fixture: &F) {
    let checks = Checks::new(fixture);
    let backend = build(fixture.backend(json!({})).await);
    for key in DOT_KEYS {
        fixture.answer(KIND, key, Answer::NotFound, None).await;
        match get(&*backend, KIND, key).await {
            Ok(Some(_)) => panic!("{key:?}: a value from nowhere"),
            Ok(None) => {}
            Err(e) => checks.clean(key, &e),
        }
    }
    let allowed = fixture.allowed_paths(KIND);
    for path in fixture.request_paths().await {
        let normalised = normalise(&path);
        assert!(
            allowed.iter().any(|p| normalised.starts_with(p.as_str())),
            "a request left the allowed paths {allowed:?}: {path:?} (normalised {normalised:?})"
        );
    }
    checks.finish(&*backend);
}

/// The path a server would serve for `path`: `%2e` decoded, `\` read as `/`, dot segments removed.
pub fn normalise(path: &str) -> String {
    let decoded = path
        .replace("%2e", ".")
        .replace("%2E", ".")
        .replace("%5c", "/")
        .replace("%5C", "/")
        .replace('\\', "/");
    let mut out: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "." => {}
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// One `#[tokio::test]` per scenario of [`crate::conformance`], named after the scenario (call it inside
/// a `mod conformance`), each with a fresh fixture from `$start` (an expression evaluating to a future
/// of the fixture).
#[macro_export]
macro_rules! conformance_tests {
    ($start:expr) => {
        $crate::conformance_tests!(@tests $start;
            found,
            not_found_is_one_read,
            pattern_miss_sends_nothing,
            disabled_kind_sends_nothing,
            denied_names_the_location,
            transient_then_found,
            refused_is_unavailable,
            slow_drip_ends_at_the_deadline,
            oversized_body_announced,
            oversized_body_chunked,
            cross_origin_redirect_carries_no_credential,
            malformed_body_is_malformed_secret,
            dot_segment_keys_stay_in_place
        );
    };
    (@tests $start:expr; $($scenario:ident),*) => {
        $(
            $crate::paste_conformance_test!($scenario, $start);
        )*
    };
}

/// One conformance test (used by [`conformance_tests!`]).
#[macro_export]
#[doc(hidden)]
macro_rules! paste_conformance_test {
    ($scenario:ident, $start:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $scenario() {
            let fixture = $start.await;
            $crate::conformance::$scenario(&fixture).await;
        }
    };
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn normalise_removes_dot_segments() {
        let cases = [
            ("/v1/secret/data/a", "/v1/secret/data/a"),
            ("/v1/secret/data/t/../../other/x", "/v1/secret/other/x"),
            (
                "/v1/secret/data/t/%2e%2e/%2E%2E/other/x",
                "/v1/secret/other/x",
            ),
            ("/v1/secret/data/t\\..\\..\\other", "/v1/secret/other"),
            ("/../../x", "/x"),
        ];
        for (path, want) in cases {
            assert_eq!(normalise(path), want, "{path}");
        }
    }
}
