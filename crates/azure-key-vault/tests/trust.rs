//! Issue "Trust" (items 7, 10, 12, 14): numbers that become durations are capped, server-sent token
//! lifetimes are clamped, tokens that cannot be HTTP headers are refused, `.`/`..` names never leave
//! `secrets/`, and no credential, URL userinfo or environment value shows in `Debug` or errors.
//! Every server is a local fake on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use airflow_secrets_azure_key_vault::{
    AzureKeyVaultBackend, DefaultAzureCredentialChain, DefaultCredentialOptions, EnvSnapshot,
    HONOURED, KEY_VAULT_SCOPE,
};
use airflow_secrets_azure_key_vault_mock::{AzureFixture, MockServer, Recorded, Reply};
use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::free_port;
use azure_core::credentials::TokenCredential;
use common::assert_text_clean;
use serde_json::{Value, json};

const PLANTED: &str = "PlantedS3cret";

fn build(kwargs: Value) -> Result<AzureKeyVaultBackend, Error> {
    let mut all = json!({"vault_url": "https://myvault.vault.azure.net/"});
    for (k, v) in kwargs.as_object().unwrap() {
        all[k] = v.clone();
    }
    AzureKeyVaultBackend::from_kwargs(all.as_object().unwrap())
}

#[test]
fn trust_10_durations_and_retry_counts_are_capped() {
    for (kwarg, value) in [
        ("read_timeout", json!(1e19)),
        ("connection_timeout", json!(1e19)),
        ("connection_timeout", json!(86_401)),
        ("timeout", json!(1e19)),
        ("timeout", json!(604_801)),
        ("retry_backoff_factor", json!(1e12)),
        ("retry_backoff_max", json!(1e12)),
        ("retry_total", json!(1_000_000)),
        ("retry_total", json!(100)),
    ] {
        let outcome = std::panic::catch_unwind(|| build(json!({kwarg: value})));
        let err = outcome.expect("no panic").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKwarg { kwarg: k, .. } if k == kwarg),
            "{kwarg}={value}: {err:?}"
        );
    }
    // The caps themselves, and Python's own default `timeout` (7 days), are accepted.
    build(json!({"read_timeout": 86_400, "retry_total": 99, "timeout": 604_800})).unwrap();
}

/// A chain whose only usable source is an App Service identity endpoint answering `token_body`.
async fn chain_with_identity_endpoint(
    token_body: Value,
    header: &str,
) -> (MockServer, DefaultAzureCredentialChain) {
    let handler = Arc::new(move |_: &Recorded| Reply::json(200, token_body.clone()));
    let msi = MockServer::http(handler).await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("IDENTITY_ENDPOINT", format!("{}/msi/token", msi.url())),
            ("IDENTITY_HEADER", header.to_owned()),
            (
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                format!("http://127.0.0.1:{}", free_port()),
            ),
            ("PATH", "/nonexistent".to_owned()),
        ],
    );
    let chain = DefaultAzureCredentialChain::new(DefaultCredentialOptions {
        environment: env,
        az_timeout: Duration::from_millis(500),
        ..Default::default()
    })
    .unwrap();
    (msi, chain)
}

#[tokio::test]
async fn trust_10_server_sent_token_lifetimes_are_clamped() {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for lifetime in [
        json!({"expires_in": i64::MAX.to_string()}),
        json!({"expires_in": i64::MIN}),
        json!({"expires_in": i64::MAX}),
        json!({"expires_on": i64::MAX.to_string()}),
        json!({"expires_on": i64::MIN}),
    ] {
        let mut body = json!({"access_token": "eyJ0eXAi.token", "token_type": "Bearer"});
        for (k, v) in lifetime.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (_msi, chain) = chain_with_identity_endpoint(body, "hdr").await;
        let token = tokio::spawn(async move { chain.get_token(&[KEY_VAULT_SCOPE], None).await })
            .await
            .unwrap_or_else(|e| panic!("{lifetime}: the token request panicked: {e}"))
            .unwrap_or_else(|e| panic!("{lifetime}: {e}"));
        let expires = token.expires_on.unix_timestamp();
        assert!(
            expires >= now - 5 && expires <= now + 86_400 + 60,
            "{lifetime}: expiry clamped to [now, now + 1 day], got {expires} (now {now})"
        );
    }
}

#[tokio::test]
async fn trust_10_tokens_that_cannot_be_headers_are_refused() {
    let forged = "tok\r\nX-Injected: 1";
    let (_msi, chain) =
        chain_with_identity_endpoint(json!({"access_token": forged, "expires_in": 3600}), "hdr")
            .await;
    let err = chain
        .get_token(&[KEY_VAULT_SCOPE], None)
        .await
        .expect_err("a token with control characters is refused");
    let text = format!("{err} {err:?}");
    assert!(text.contains("access_token"), "{text}");
    assert!(!text.contains("X-Injected"), "{text}");

    // An IDENTITY_HEADER with a line break is a clear error too, never a panic.
    let (_msi, chain) = chain_with_identity_endpoint(
        json!({"access_token": "fine", "expires_in": 3600}),
        &format!("{PLANTED}\r\nX-Injected: 1"),
    )
    .await;
    let outcome = tokio::spawn(async move { chain.get_token(&[KEY_VAULT_SCOPE], None).await })
        .await
        .expect("no panic");
    let err = outcome.expect_err("IDENTITY_HEADER with control characters is refused");
    let text = format!("{err} {err:?}");
    assert!(text.contains("IDENTITY_HEADER"), "{text}");
    assert!(!text.contains(PLANTED), "{text}");
}

/// Key Vault names go into the path as one segment: `.`, `..`, `/` and `%` break Key Vault's name rule, so
/// names holding them are never sent (the provider's check, 15.2.1) and the URL parser never sees them.
#[tokio::test]
async fn trust_12_dot_names_never_leave_secrets() {
    let fx = AzureFixture::start().await;
    let bare = common::backend(&fx, json!({"variables_prefix": ""}));
    let prefixed = common::backend(&fx, json!({}));
    let keys = [
        ".", "..", "%2e%2e", "%2E%2E", "../x", "a/../..", "..%2F", "./.",
    ];
    for key in keys {
        for b in [&bare, &prefixed] {
            assert!(b.get_variable(key).await.unwrap().is_none(), "{key}");
        }
    }
    assert_eq!(common::vault_paths(&fx), Vec::<String>::new());
}

#[tokio::test]
async fn trust_07_debug_and_errors_never_show_credentials() {
    let fx = AzureFixture::start().await;
    // URL credentials are refused (requests carry bearer tokens), without echoing them.
    for (kwarg, url) in [
        (
            "vault_url",
            format!(
                "https://user:{PLANTED}@127.0.0.1:{}/",
                fx.vault_server.port()
            ),
        ),
        ("authority_host", format!("https://u:{PLANTED}@127.0.0.1:1")),
    ] {
        let err =
            AzureKeyVaultBackend::from_kwargs(&fx.kwargs_with(json!({ kwarg: url }))).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKwarg { kwarg: k, .. } if k == kwarg),
            "{err:?}"
        );
        assert_text_clean("the error", &format!("{err} {err:?}"), &[PLANTED]);
    }
    // The kwargs themselves, before validation.
    let kwargs = airflow_secrets_azure_key_vault::AzureKeyVaultKwargs {
        vault_url: Some(format!("https://u:{PLANTED}@v.vault.azure.net/")),
        authority_host: Some(format!("https://u:{PLANTED}@login.example")),
        client_secret: Some(PLANTED.into()),
        ..Default::default()
    };
    assert_text_clean(
        "the kwargs' Debug",
        &format!("{kwargs:?} {kwargs:#?}"),
        &[PLANTED],
    );
    let backend = AzureKeyVaultBackend::from_kwargs(&fx.kwargs_with(json!({
        "client_secret": PLANTED,
        "retry_total": 0,
    })))
    .unwrap()
    .with_environment(planted_env());
    let before = format!("{backend:?} {backend:#?}");
    let err = backend.get_variable("x").await.unwrap_err();
    let after = format!("{backend:?} {backend:#?}");
    for (what, text) in [
        ("Debug before", before),
        ("Debug after", after),
        ("the error", format!("{err} {err:?}")),
    ] {
        assert_text_clean(what, &text, &[PLANTED]);
    }
    // The default chain, built from that environment, and its failure.
    let chain = DefaultAzureCredentialChain::new(DefaultCredentialOptions {
        environment: planted_env(),
        az_timeout: Duration::from_millis(500),
        ..Default::default()
    })
    .unwrap();
    assert_text_clean(
        "the chain's Debug",
        &format!("{chain:?} {chain:#?}"),
        &[PLANTED],
    );
    let err = chain.get_token(&[KEY_VAULT_SCOPE], None).await.unwrap_err();
    assert_text_clean("the chain's error", &format!("{err} {err:?}"), &[PLANTED]);
    assert_text_clean("the chain's Debug after", &format!("{chain:?}"), &[PLANTED]);
}

/// Secrets planted in every credential variable the chain reads.
fn planted_env() -> EnvSnapshot {
    EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AZURE_CLIENT_SECRET", PLANTED.to_owned()),
            ("IDENTITY_HEADER", PLANTED.to_owned()),
            (
                "IDENTITY_ENDPOINT",
                format!("http://u:{PLANTED}@127.0.0.1:1/t"),
            ),
            ("PATH", "/nonexistent".to_owned()),
        ],
    )
}

// ---- Review 2: findings 2, 5, 6, 8a, 8b ----

/// The default chain with `environment` and no retries; token requests trust `ca` when given.
fn chain_in(
    environment: EnvSnapshot,
    ca: Option<&airflow_secrets_azure_key_vault_mock::TestCa>,
) -> DefaultAzureCredentialChain {
    let mut http = airflow_secrets_azure_key_vault::HttpOptions {
        retry: airflow_secrets_azure_key_vault::RetryOptions {
            total: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    if let Some(ca) = ca {
        http.verify =
            airflow_secrets_azure_key_vault::TlsVerify::ca_bundle(ca.ca_pem_path()).unwrap();
    }
    DefaultAzureCredentialChain::new(DefaultCredentialOptions {
        environment,
        http,
        az_timeout: Duration::from_millis(500),
        ..Default::default()
    })
    .unwrap()
}

/// Runs `get_token` in its own task, within a generous bound: `Err(text)` if it panicked.
async fn token_in_task(
    chain: DefaultAzureCredentialChain,
) -> Result<azure_core::Result<azure_core::credentials::AccessToken>, String> {
    let task = tokio::spawn(async move { chain.get_token(&[KEY_VAULT_SCOPE], None).await });
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("ended within a generous bound")
        .map_err(|e| e.to_string())
}

const HUGE_EXPIRES_IN: i64 = 99_999_999_999_999;

/// Finding 2: Entra's token endpoint answering an `expires_in` the SDK cannot add to a date made
/// azure_identity panic ("resulting value is out of range"); a client-secret lookup is a clear
/// authentication error instead.
#[tokio::test]
async fn trust_02_client_secret_token_with_absurd_lifetime_is_a_clear_error() {
    let fx = AzureFixture::start().await;
    let entra = MockServer::https(
        &fx.ca,
        Arc::new(|_: &Recorded| {
            Reply::json(
                200,
                json!({"token_type": "Bearer", "access_token": PLANTED, "expires_in": HUGE_EXPIRES_IN}),
            )
        }),
    )
    .await;
    let backend = Arc::new(common::backend(
        &fx,
        json!({"authority_host": entra.url(), "retry_total": 0}),
    ));
    for round in 0..2 {
        let b = backend.clone();
        let task = tokio::spawn(async move { b.get_variable("x").await });
        let outcome = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("ended within a generous bound")
            .unwrap_or_else(|e| panic!("round {round}: the lookup panicked: {e}"));
        let err = outcome.expect_err("the token is unusable");
        assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
        let text = format!("{err} {err:?}");
        assert!(text.contains("panicked"), "{text}");
        assert_text_clean("the error", &text, &[PLANTED]);
    }
}

/// Finding 2, workload identity (same SDK code path).
#[tokio::test]
async fn trust_02_workload_identity_token_with_absurd_lifetime_is_a_clear_error() {
    let ca = airflow_secrets_azure_key_vault_mock::TestCa::new();
    let entra = MockServer::https(
        &ca,
        Arc::new(|_: &Recorded| {
            Reply::json(
                200,
                json!({"token_type": "Bearer", "access_token": PLANTED, "expires_in": HUGE_EXPIRES_IN}),
            )
        }),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("federated-token");
    std::fs::write(&token_file, "federated.jwt.assertion").unwrap();
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AZURE_TENANT_ID", "tenant".to_owned()),
            ("AZURE_CLIENT_ID", "client".to_owned()),
            (
                "AZURE_FEDERATED_TOKEN_FILE",
                token_file.display().to_string(),
            ),
            ("AZURE_AUTHORITY_HOST", entra.url()),
            ("PATH", "/nonexistent".to_owned()),
        ],
    );
    let outcome = token_in_task(chain_in(env, Some(&ca)))
        .await
        .unwrap_or_else(|e| panic!("the token request panicked: {e}"));
    let err = outcome.expect_err("the token is unusable");
    let text = format!("{err} {err:?}");
    assert!(text.contains("WorkloadIdentityCredential"), "{text}");
    assert!(text.contains("panicked"), "{text}");
    assert_text_clean("the error", &text, &[PLANTED]);
    assert!(entra.request_count() >= 1);
}

/// Finding 5 (Azure side): the URL parser drops tab, CR and LF before resolving dot segments; Key Vault
/// names with them break the name rule and are never sent (they were percent-encoded before 15.2.1's rule).
#[tokio::test]
async fn trust_05_control_characters_never_make_dot_segments() {
    let fx = AzureFixture::start().await;
    let bare = common::backend(&fx, json!({"variables_prefix": "", "sep": ""}));
    for key in ["..\t", ".\n.", "..\r", "\t.\t.\t", "\r\n.."] {
        assert!(bare.get_variable(key).await.unwrap().is_none(), "{key:?}");
    }
    // No such name passes Key Vault's name rule, which the provider (15.2.1) checks before sending.
    assert_eq!(common::vault_paths(&fx), Vec::<String>::new());
}

/// Names holding a backslash are not sent: `%5C` read as `/` by a server would resolve the name's dot
/// segments out of `secrets/` (conformance `dot_segment_keys_stay_in_place`).
#[tokio::test]
async fn trust_05_backslash_names_are_not_sent() {
    let fx = AzureFixture::start().await;
    for overrides in [json!({}), json!({"variables_prefix": ""})] {
        let backend = common::backend(&fx, overrides);
        for key in ["team\\..\\..\\other\\x", "\\", "a\\b"] {
            assert!(backend.get_variable(key).await.unwrap().is_none(), "{key}");
        }
    }
    assert_eq!(common::vault_paths(&fx), Vec::<String>::new());
}

/// An App Service identity endpoint answering `reply` to every request, and a chain using it.
async fn chain_with_identity_reply(reply: Reply) -> (MockServer, DefaultAzureCredentialChain) {
    let msi = MockServer::http(Arc::new(move |_: &Recorded| reply.clone())).await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("IDENTITY_ENDPOINT", format!("{}/msi/token", msi.url())),
            ("IDENTITY_HEADER", "hdr".to_owned()),
            ("PATH", "/nonexistent".to_owned()),
        ],
    );
    (msi, chain_in(env, None))
}

/// Finding 6: the managed-identity token response is read with a cap; a huge body is a clear error
/// (it was read whole: a 10 GB body aborted the process).
#[tokio::test]
async fn trust_06_managed_identity_response_is_read_with_a_cap() {
    let huge = "a".repeat(8 * 1024 * 1024);
    let (_msi, chain) = chain_with_identity_reply(Reply::json(
        200,
        json!({"access_token": huge, "expires_in": 3600}),
    ))
    .await;
    let outcome = token_in_task(chain).await.expect("no panic");
    let err = outcome.expect_err("an 8 MiB token response is refused");
    let text = format!("{err}");
    assert!(text.contains("MiB") || text.contains("bytes"), "{text}");
    assert!(
        !text.contains("aaaaaaaaaa"),
        "{}",
        &text[..text.len().min(500)]
    );
}

/// Finding 6: Key Vault responses go through the same capped transport; a body past the cap is
/// `Rejected` and not retried.
#[tokio::test]
async fn trust_06_key_vault_response_is_read_with_a_cap() {
    let fx = AzureFixture::start().await;
    let huge = "v".repeat(8 * 1024 * 1024);
    let vault = MockServer::https(
        &fx.ca,
        Arc::new(move |r: &Recorded| {
            Reply::json(
                200,
                json!({"value": huge, "id": format!("https://127.0.0.1{}", r.path),
                       "attributes": {"enabled": true}}),
            )
        }),
    )
    .await;
    // Default retries: a body past the cap is not asked for again.
    let backend = common::backend(&fx, json!({"vault_url": format!("{}/", vault.url())}));
    let outcome = tokio::time::timeout(Duration::from_secs(60), backend.get_variable("x"))
        .await
        .expect("ended within a generous bound");
    let err = outcome.expect_err("an 8 MiB Key Vault answer is refused");
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert_eq!(vault.request_count(), 1, "not retried");
    let text = format!("{err}");
    assert!(text.contains("MiB") || text.contains("bytes"), "{text}");
    assert!(
        !text.contains("vvvvvvvvvv"),
        "{}",
        &text[..text.len().min(500)]
    );
}

/// Finding 6: an Entra ID token answer past the cap is an authentication failure, asked for once.
#[tokio::test]
async fn trust_06_token_response_past_the_cap_is_not_retried() {
    let fx = AzureFixture::start().await;
    let huge = "t".repeat(4 * 1024 * 1024);
    let entra = MockServer::https(
        &fx.ca,
        Arc::new(move |_: &Recorded| {
            Reply::json(
                200,
                json!({"access_token": huge, "expires_in": 3600, "token_type": "Bearer"}),
            )
        }),
    )
    .await;
    let backend = common::backend(&fx, json!({"authority_host": entra.url()}));
    let err = backend.get_variable("x").await.expect_err("refused");
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(format!("{err}").contains("MiB"), "{err}");
    assert_eq!(entra.request_count(), 1, "not retried");
}

/// Finding 8a: a managed-identity error never repeats the endpoint's body: only the status, the byte
/// count and, for a JSON body, its short `error` code.
#[tokio::test]
async fn trust_08a_managed_identity_errors_never_echo_the_body() {
    const TOKEN: &str = "AzTokS3cret";
    for (body, code) in [
        (
            json!({"error": "invalid_request", "error_description": format!("bad {TOKEN}"),
                   "access_token": TOKEN})
            .to_string(),
            Some("invalid_request"),
        ),
        (format!("plain text {TOKEN}"), None),
        (
            json!({"error": format!("{TOKEN} is not a code!")}).to_string(),
            None,
        ),
    ] {
        let mut reply = Reply::empty(500);
        reply.body = body.clone();
        let (_msi, chain) = chain_with_identity_reply(reply).await;
        let err = token_in_task(chain)
            .await
            .expect("no panic")
            .expect_err("a 500 is an error");
        let text = format!("{err} {err:?}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("500"), "{text}");
        assert!(text.contains(&format!("{} bytes", body.len())), "{text}");
        if let Some(code) = code {
            assert!(text.contains(code), "{text}");
        }
    }
    // IMDS answering 400 ("identity not assigned") is "unavailable": its message shows no body either.
    let imds = MockServer::http(Arc::new(|_: &Recorded| {
        Reply::json(
            400,
            json!({"error": "invalid_request", "access_token": TOKEN}),
        )
    }))
    .await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()),
            ("PATH", "/nonexistent".to_owned()),
        ],
    );
    let err = token_in_task(chain_in(env, None))
        .await
        .expect("no panic")
        .expect_err("no identity");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("invalid_request"), "{text}");
}

/// Finding 8b: `expires_in`/`expires_on` as any JSON number (float, beyond i64) or numeric string is
/// clamped, never "not the expected JSON", never a panic.
#[tokio::test]
async fn trust_08b_managed_identity_lifetimes_of_any_numeric_form_are_clamped() {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for lifetime in [
        json!({"expires_in": 3599.5}),
        json!({"expires_in": 1e300}),
        json!({"expires_in": -1e300}),
        json!({"expires_in": u64::MAX}),
        json!({"expires_in": "3599.5"}),
        json!({"expires_in": "1e300"}),
        json!({"expires_in": "99999999999999999999999"}),
        json!({"expires_on": 1e300}),
        json!({"expires_on": u64::MAX}),
        json!({"expires_on": (now + 600) as f64 + 0.25}),
    ] {
        let mut body = json!({"access_token": "eyJ0eXAi.token", "token_type": "Bearer"});
        for (k, v) in lifetime.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (_msi, chain) = chain_with_identity_reply(Reply::json(200, body)).await;
        let token = token_in_task(chain)
            .await
            .unwrap_or_else(|e| panic!("{lifetime}: panicked: {e}"))
            .unwrap_or_else(|e| panic!("{lifetime}: {e}"));
        let expires = token.expires_on.unix_timestamp();
        assert!(
            expires >= now - 5 && expires <= now + 86_400 + 60,
            "{lifetime}: expiry clamped to [now, now + 1 day], got {expires} (now {now})"
        );
    }
}
