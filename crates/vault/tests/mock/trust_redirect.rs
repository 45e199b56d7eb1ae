//! Trust item 3: a redirect never takes `X-Vault-Token` or a login body to another origin.

use airflow_secrets_core::{Error, SecretsBackend};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// `first` answers every request with a 307 to the same path on `second`, which would answer all.
async fn redirecting_pair() -> (MockServer, MockServer) {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    for p in [
        "/v1/auth/approle/login",
        "/v1/auth/token/lookup-self",
        "/v1/secret/data/variables/v",
    ] {
        let to =
            ResponseTemplate::new(307).insert_header("Location", format!("{}{p}", second.uri()));
        mount_any(&first, Mock::given(path(p)), to).await;
    }
    mount_any(&second, approle_login(), auth_response(ISSUED, 3600, true)).await;
    mount_any(
        &second,
        Mock::given(method("GET")),
        kv2(json!({ "value": VALUE })),
    )
    .await;
    (first, second)
}

fn assert_clear_redirect_error(err: &Error) {
    let text = err.to_string();
    assert!(text.contains("another origin"), "{text}");
    assert!(text.contains("active node"), "{text}");
}

#[tokio::test]
async fn trust_03_a_login_redirected_to_another_origin_is_not_followed() {
    let logs = logs();
    let (first, second) = redirecting_pair().await;
    let err = approle(&first).get_variable("v").await.clean_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert_clear_redirect_error(&err);
    assert_eq!(
        requests(&second).await,
        Vec::<String>::new(),
        "the login body moved"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_03_a_read_redirected_to_another_origin_keeps_the_token_home() {
    let logs = logs();
    let (first, second) = redirecting_pair().await;
    let err = backend(&token_kwargs(&first, json!({})))
        .get_variable("v")
        .await
        .clean_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert_clear_redirect_error(&err);
    assert_eq!(
        requests(&second).await,
        Vec::<String>::new(),
        "the token moved"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

/// A redirect within the origin of `url` (a path moved behind a proxy) is still followed.
#[tokio::test]
async fn trust_03_same_origin_redirects_are_followed() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    let moved = ResponseTemplate::new(307).insert_header(
        "Location",
        format!("{}/v1/secret/data/variables/moved", server.uri()),
    );
    mount_any(&server, read_variable("v"), moved).await;
    let value = kv2(json!({ "value": VALUE }));
    mount_expect(&server, read_variable("moved"), value, 1).await;
    let vault = backend(&token_kwargs(&server, json!({})));
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
    logs.assert_free_of(SUITE_SECRETS);
}
