//! Issue "Trust" (items 7, 10, 12, 14): capped retry counts and back-off values, dot segments that
//! cannot leave `secrets/`, and no credential or endpoint userinfo in `Debug` or errors. Wiremock on
//! 127.0.0.1 only.

mod common;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use common::*;
use serde_json::{Value, json};
use wiremock::MockServer;

const PLANTED: &str = "PlantedS3cret";

fn build(server: &MockServer, extra: Value) -> Result<CloudSecretManagerBackend, Error> {
    CloudSecretManagerBackend::from_kwargs(&kwargs(server, extra))
}

#[tokio::test]
async fn trust_14_retry_counts_and_backoffs_are_capped() {
    let server = MockServer::start().await;
    for (extra, kwarg) in [
        (json!({"max_attempts": 1_000_000}), "max_attempts"),
        (json!({"max_attempts": 101}), "max_attempts"),
        (
            json!({"retry_max_backoff_seconds": 1e12}),
            "retry_max_backoff_seconds",
        ),
        (
            json!({"retry_initial_backoff_seconds": 1e12, "retry_max_backoff_seconds": 1e13}),
            "retry_initial_backoff_seconds",
        ),
        (json!({"timeout_seconds": 1e15}), "timeout_seconds"),
        (json!({"timeout_seconds": "inf"}), "timeout_seconds"),
        (json!({"timeout_seconds": -1}), "timeout_seconds"),
    ] {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build(&server, extra.clone())
        }));
        let err = outcome.expect("no panic").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKwarg { kwarg: k, .. } if k == kwarg),
            "{extra}: {err:?}"
        );
    }
    build(
        &server,
        json!({"max_attempts": 100, "retry_max_backoff_seconds": 86_400}),
    )
    .expect("the caps themselves are accepted");
}

/// The secret id is one URL path segment: `.` and `..` would be resolved by the URL parser and read
/// another resource, so they are answered like Secret Manager's `InvalidArgument` without a request;
/// every other id is sent as written.
#[tokio::test]
async fn trust_12_dot_segments_never_change_the_secret_read() {
    let server = MockServer::start().await;
    serve_any_secret(&server, not_found("x"), ..).await;
    // An empty prefix and separator make the id the key itself.
    let bare = backend(&server, json!({"variables_prefix": "", "sep": ""}));
    let prefixed = backend(&server, json!({}));
    let cases = [
        (&bare, ".", None),
        (&bare, "..", None),
        (&bare, "%2e%2e", None),
        (&bare, "../x", None),
        (&bare, "x/..", None),
        (&bare, "...", Some("...")),
        (&prefixed, "..", Some("airflow-variables-..")),
        (&prefixed, ".", Some("airflow-variables-.")),
        (&prefixed, "../../x", None),
    ];
    for (b, key, sent) in cases {
        let before = server.received_requests().await.unwrap().len();
        assert!(b.get_variable(key).await.unwrap().is_none(), "{key}");
        let requests = server.received_requests().await.unwrap();
        match sent {
            None => assert_eq!(requests.len(), before, "{key}: nothing is sent"),
            Some(id) => {
                assert_eq!(requests.len(), before + 1, "{key}");
                assert_eq!(requests[before].url.path(), access_path(id), "{key}");
            }
        }
    }
    for request in server.received_requests().await.unwrap() {
        assert!(
            request
                .url
                .path()
                .starts_with(&format!("/v1/projects/{PROJECT}/secrets/")),
            "{}",
            request.url
        );
    }
}

#[tokio::test]
async fn trust_07_debug_and_errors_never_show_credentials() {
    let server = MockServer::start().await;
    serve_any_secret(&server, google_error(500, "INTERNAL", "boom"), ..).await;
    // URL credentials are refused (the bearer token authenticates), without echoing them.
    let endpoint = format!(
        "http://user:{PLANTED}@127.0.0.1:{}",
        server.address().port()
    );
    let err = build(&server, json!({ "endpoint": endpoint })).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidKwarg { kwarg, .. } if kwarg == "endpoint"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    // The kwargs themselves, before validation.
    let kwargs: airflow_secrets_gcp_secret_manager::CloudSecretManagerKwargs =
        serde_json::from_value(
            json!({"endpoint": endpoint, "gcp_keyfile_dict": {"private_key": PLANTED}}),
        )
        .unwrap();
    assert!(
        !format!("{kwargs:?} {kwargs:#?}").contains(PLANTED),
        "{kwargs:?}"
    );
    let b = backend(
        &server,
        json!({"max_attempts": 1,
               "gcp_credential_config_file": {"type": "external_account", "audience": PLANTED,
                   "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                   "token_url": "http://127.0.0.1:1/token",
                   "credential_source": {"file": "/nonexistent"}}}),
    );
    let before = format!("{b:?} {b:#?}");
    let err = b.get_variable("x").await.unwrap_err();
    let after = format!("{b:?} {b:#?}");
    for text in [before, after, format!("{err} {err:?}")] {
        assert!(!text.contains(PLANTED), "{text}");
    }
}

/// Finding 5: the URL parser drops ASCII tab, CR and LF from a path before resolving dot segments, so
/// `"..\t"` would become `..` and read `projects/p/versions/latest`. Ids with any control character are
/// answered like `.`/`..` (logged, `None`), without a request.
#[tokio::test]
async fn trust_05_control_characters_never_make_dot_segments() {
    let server = MockServer::start().await;
    serve_any_secret(&server, not_found("x"), ..).await;
    let bare = backend(&server, json!({"variables_prefix": "", "sep": ""}));
    for key in [
        "..\t", ".\n.", "..\r", "\t.\t.\t", "\r\n..", ".\u{0}.", "..\u{7f}", "a\tb", "x\u{1b}",
    ] {
        let before = server.received_requests().await.unwrap().len();
        let outcome = bare.get_variable(key).await;
        assert!(
            matches!(outcome, Ok(None)),
            "{key:?}: {outcome:?} (answered like an invalid id)"
        );
        let after = server.received_requests().await.unwrap().len();
        assert_eq!(after, before, "{key:?}: nothing is sent");
    }
}

/// Finding 3: a metadata-server token whose `expires_in` is `i64::MAX` makes google-cloud-auth panic
/// (an `Instant` overflow in its refresh task, then an `unwrap` on the dead channel in the caller). The
/// lookup must end in a clear error, never a panic, and the next lookup must not panic either.
#[tokio::test]
async fn trust_03_metadata_token_with_absurd_lifetime_is_a_clear_error() {
    use airflow_secrets_gcp_secret_manager::google_cloud_auth::credentials::mds;
    use wiremock::matchers::path_regex;
    use wiremock::{Mock, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(path_regex(
        "^/computeMetadata/v1/instance/service-accounts/.*/token$",
    ))
    .respond_with(
        ResponseTemplate::new(200)
            .insert_header("metadata-flavor", "Google")
            .set_body_json(json!({
                "access_token": PLANTED,
                "expires_in": i64::MAX,
                "token_type": "Bearer"
            })),
    )
    .mount(&server)
    .await;
    serve_any_secret(&server, not_found("x"), ..).await;
    let credentials = mds::Builder::default()
        .with_endpoint(server.uri())
        .build()
        .unwrap();
    let backend = std::sync::Arc::new(
        CloudSecretManagerBackend::from_kwargs(&kwargs(&server, json!({"max_attempts": 2})))
            .unwrap()
            .with_credentials(credentials),
    );
    for round in 0..2 {
        let b = backend.clone();
        let task = tokio::spawn(async move { b.get_variable("x").await });
        let joined = tokio::time::timeout(std::time::Duration::from_secs(60), task)
            .await
            .expect("ended within a generous bound");
        let outcome = joined.unwrap_or_else(|e| panic!("round {round}: the lookup panicked: {e}"));
        let err = outcome.expect_err("an unusable token is an error");
        assert!(
            matches!(err, Error::Authentication { .. }),
            "round {round}: {err:?}"
        );
        let text = format!("{err} {err:?}");
        assert!(text.contains("panicked"), "round {round}: {text}");
        assert!(!text.contains(PLANTED), "round {round}: {text}");
    }
}
