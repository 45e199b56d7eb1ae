//! Trust: bounded reads. A CA bundle named by `verify` is read as a regular file of at most 1 MiB (a
//! FIFO, `/dev/zero` or a huge file is a clear error, quickly), and every response body the SDK receives
//! through the backend's HTTP client — SSM's, and STS's for `role_arn` — is cut at 1 MiB: a server
//! announcing a 10 GB body, or streaming an endless chunked one, ends the lookup with a clear error
//! instead of the process allocating until it dies.
//!
//! The servers are the testkit's `RawServer`s on 127.0.0.1 (and its `TlsFront` for the CA-bundle client). They
//! would send up to 512 MiB and count what they could write before the client hung up.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::conformance::raw::{Behaviour, RawServer};
use airflow_secrets_testkit::logs::capture;
use airflow_secrets_testkit::tls::{TestCa, TlsFront};
use common::*;
use serde_json::{Value, json};

/// Constructions and lookups must end well within this.
const BOUND: Duration = Duration::from_secs(30);
/// What it may have written when the client stops at the 1 MiB cap: the cap, the socket buffers of both
/// ends, and a few attempts. Far below what it would send.
const WRITTEN_AT_MOST: u64 = 64 << 20;

// ---------------------------------------------------------------------------------------------------
// Finding 1: `verify` as a CA bundle path.

/// Builds a backend with `verify` = `path` on its own thread; the error, or a panic if construction
/// did not end within [`BOUND`] (a FIFO without writer would block it forever).
fn build_with_bundle(path: &Path) -> Result<SystemsManagerParameterStoreBackend, Error> {
    let kwargs = kwargs(
        "https://127.0.0.1:1",
        json!({"verify": path.to_str().unwrap()}),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(SystemsManagerParameterStoreBackend::from_kwargs(&kwargs));
    });
    let started = Instant::now();
    let result = rx.recv_timeout(BOUND).unwrap_or_else(|_| {
        panic!("construction with verify={path:?} still running after {BOUND:?}")
    });
    assert!(started.elapsed() < BOUND);
    result
}

fn assert_verify_error(err: &Error, path: &Path, problem: &str) {
    let Error::InvalidKwarg {
        kwarg, problem: p, ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(kwarg, "verify", "{err}");
    assert!(p.contains(&path.display().to_string()), "{err}");
    assert!(p.contains(problem), "{err}");
}

#[test]
fn trust_verify_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ca.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let err = build_with_bundle(&fifo).unwrap_err();
    assert_verify_error(&err, &fifo, "not a regular file (a FIFO)");
}

#[test]
fn trust_verify_symlink_to_dev_zero_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ca.pem");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let err = build_with_bundle(&link).unwrap_err();
    assert_verify_error(&err, &link, "not a regular file (a device)");
}

#[test]
fn trust_verify_bundle_over_1_mib_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A valid bundle of one CA certificate.
    let pem = TestCa::new().ca_pem_text();
    // A valid bundle: the same certificate, repeated up to 2 MiB.
    let big = dir.path().join("big.pem");
    std::fs::write(&big, pem.repeat((2 << 20) / pem.len() + 1)).unwrap();
    let err = build_with_bundle(&big).unwrap_err();
    assert_verify_error(&err, &big, "larger than the 1 MiB it may have");

    // A bundle of a normal size still loads.
    let small = dir.path().join("ca.pem");
    std::fs::write(&small, pem.repeat(3)).unwrap();
    build_with_bundle(&small).expect("a small bundle is accepted");
}

// ---------------------------------------------------------------------------------------------------
// Finding 2: response bodies.

/// The flood bytes `server` wrote stay far below what it would send.
fn assert_bounded(server: &RawServer) {
    let written = server.written();
    eprintln!(
        "{} request(s), {written} flood bytes written",
        server.request_count()
    );
    assert!(
        written < WRITTEN_AT_MOST,
        "the client read {written} bytes of a body it should have given up on at 1 MiB"
    );
}

/// Runs the lookup of variable `v` under [`BOUND`]; its error.
async fn failed_lookup(b: &SystemsManagerParameterStoreBackend) -> Error {
    let started = Instant::now();
    let result = tokio::time::timeout(BOUND, b.get_variable("v"))
        .await
        .unwrap_or_else(|_| panic!("the lookup was still running after {BOUND:?}"));
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    let err = result.expect_err("a flood is not a value");
    assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    eprintln!("{err}");
    err
}

fn assert_says_too_large(err: &Error) {
    let text = err.to_string();
    assert!(
        text.contains("response body is larger than the 1 MiB"),
        "{text}"
    );
}

/// A lookup whose SSM endpoint floods: `Error::Rejected`, one request (never retried).
async fn ssm_flood(kind: Behaviour, endpoint: impl FnOnce(SocketAddr) -> (String, Value)) {
    let logs = capture();
    let seen = RawServer::start(kind.clone()).await;
    let (url, extra) = endpoint(seen.addr());
    let b = backend(&url, extra);
    let err = failed_lookup(&b).await;
    assert!(matches!(err, Error::Rejected { .. }), "{kind:?}: {err:?}");
    assert_says_too_large(&err);
    assert_eq!(seen.request_count(), 1, "{kind:?}: not retried");
    assert_bounded(&seen);
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_ssm_answer_announcing_10_gb_fails_at_once() {
    ssm_flood(Behaviour::FloodAnnounced, |a| {
        (format!("http://{a}"), json!({}))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_endless_chunked_ssm_answer_is_cut_at_1_mib() {
    ssm_flood(Behaviour::FloodChunked, |a| {
        (format!("http://{a}"), json!({}))
    })
    .await;
}

/// The https client built for a CA bundle is capped too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_endless_answer_through_the_ca_bundle_client_is_cut_at_1_mib() {
    let logs = capture();
    let seen = RawServer::start(Behaviour::FloodChunked).await;
    let address = seen.addr();
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, address).await;
    let b = backend(
        &format!("https://localhost:{}", front.addr().port()),
        json!({"verify": ca.ca_pem()}),
    );
    let err = failed_lookup(&b).await;
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert_says_too_large(&err);
    assert_eq!(seen.request_count(), 1, "not retried");
    assert_bounded(&seen);
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}

/// STS `AssumeRole` for `role_arn` goes through the same capped client: an authentication error naming
/// the cause, at most the configured attempts (3), memory bounded.
async fn sts_flood(kind: Behaviour) {
    sts_flood_with(kind, json!({})).await;
}

/// [`sts_flood`] with more kwargs (e.g. `assume_role_with_web_identity`).
async fn sts_flood_with(kind: Behaviour, extra: Value) {
    let logs = capture();
    let seen = RawServer::start(kind.clone()).await;
    let sts = seen.addr();
    // SSM itself is never reached: the role's credentials come first.
    let mut kwargs = json!({
        "role_arn": "arn:aws:iam::123456789012:role/airflow",
        "service_config": {"sts": {"endpoint_url": format!("http://{sts}")}},
    });
    kwargs
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let b = backend("http://127.0.0.1:1", kwargs);
    let err = failed_lookup(&b).await;
    assert!(
        matches!(err, Error::Authentication { .. }),
        "{kind:?}: {err:?}"
    );
    assert_says_too_large(&err);
    assert!(
        (1..=3).contains(&seen.request_count()),
        "{kind:?}: {} requests",
        seen.request_count()
    );
    assert_bounded(&seen);
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_sts_answer_announcing_10_gb_fails_at_once() {
    sts_flood(Behaviour::FloodAnnounced).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_endless_chunked_sts_answer_is_cut_at_1_mib() {
    sts_flood(Behaviour::FloodChunked).await;
}

/// `assume_role_with_web_identity` kwargs with a token file in `dir`.
fn web_identity(dir: &Path) -> Value {
    let token = dir.join("token");
    std::fs::write(&token, "eyJ.web-identity.sig").unwrap();
    json!({"assume_role_method": "assume_role_with_web_identity",
           "assume_role_with_web_identity_federation": "file",
           "assume_role_with_web_identity_token_file": token.to_str().unwrap()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_web_identity_sts_answer_announcing_10_gb_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    sts_flood_with(Behaviour::FloodAnnounced, web_identity(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_endless_chunked_web_identity_sts_answer_is_cut_at_1_mib() {
    let dir = tempfile::tempdir().unwrap();
    sts_flood_with(Behaviour::FloodChunked, web_identity(dir.path())).await;
}

/// A web identity STS that is down, redirects or answers garbage: an authentication error naming
/// AssumeRoleWithWebIdentity; one that trickles: the attempt's timeout; each within the bound, no token
/// or key shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_broken_web_identity_sts_fails_clearly() {
    let logs = capture();
    let dir = tempfile::tempdir().unwrap();
    let drip = RawServer::start(Behaviour::Drip).await;
    let redirect = RawServer::start(Behaviour::RedirectTo("http://127.0.0.1:9/".into())).await;
    let garbage = RawServer::start(Behaviour::Reply {
        status: 200,
        body: "<html>not STS</html>".into(),
    })
    .await;
    let cases = [
        (
            "down",
            format!("http://127.0.0.1:{}", airflow_secrets_testkit::free_port()),
        ),
        ("trickling", format!("http://{}", drip.addr())),
        ("redirect", format!("http://{}", redirect.addr())),
        ("garbage", format!("http://{}", garbage.addr())),
    ];
    for (case, sts) in cases {
        let mut kwargs = web_identity(dir.path());
        kwargs.as_object_mut().unwrap().extend(
            json!({"role_arn": "arn:aws:iam::123456789012:role/airflow",
                   "service_config": {"sts": {"endpoint_url": sts}},
                   "config_kwargs": {"read_timeout": 2, "connect_timeout": 2,
                                     "retries": {"total_max_attempts": 1}}})
            .as_object()
            .unwrap()
            .clone(),
        );
        let b = backend("http://127.0.0.1:1", kwargs);
        let err = failed_lookup(&b).await;
        if case == "trickling" {
            // The credentials are resolved inside the SSM attempt, so its 2 s attempt timeout fires
            // first (as for `assume_role`): unavailable, timed out.
            assert!(matches!(err, Error::Unavailable { .. }), "{case}: {err:?}");
            assert!(err.to_string().contains("timed out"), "{case}: {err}");
        } else {
            assert!(
                matches!(err, Error::Authentication { .. }),
                "{case}: {err:?}"
            );
            assert!(
                err.to_string().contains("AssumeRoleWithWebIdentity"),
                "{case}: {err}"
            );
        }
        assert_error_clean(&err, &["web-identity", SECRET_ACCESS_KEY]);
    }
    logs.assert_free_of(&["eyJ.web-identity.sig", SECRET_ACCESS_KEY]);
}
