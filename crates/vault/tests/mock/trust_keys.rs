//! Trust item 12: a key never changes the path it is read from. Lookup patterns are a filter, not an
//! access boundary: a key with `.` or `..` segments (plain, percent-encoded, between backslashes) is
//! refused before any request.

use airflow_secrets_core::{Error, SecretsBackend};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

use crate::common::*;

const ESCAPING: &[&str] = &[
    "team_a_/../../../../othermount/data/admin",
    "team_a_/../../../sys/policy/root",
    "team_a_/./x",
    "team_a_/..",
    "team_a_/%2e%2e/%2e%2e/%2e%2e/%2e%2e/othermount/data/admin",
    "team_a_/%2E./%2E./x",
    "team_a_/.%2e/x",
    "team_a_\\..\\..\\x",
];

#[tokio::test]
async fn trust_12_dot_segments_never_leave_the_mount() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    mount_any(
        &server,
        Mock::given(method("GET")),
        kv2(json!({ "value": VALUE })),
    )
    .await;
    let vault = backend(&token_kwargs(
        &server,
        json!({ "variables_lookup_pattern": "^team_a_" }),
    ));
    for key in ESCAPING {
        let err = vault.get_variable(key).await.clean_err();
        let Error::Rejected { problem, .. } = &err else {
            panic!("{key}: {err:?}")
        };
        assert!(problem.contains("`..`"), "{problem}");
    }
    // A plain key of the team still reads, from under the mount and base path.
    assert_eq!(
        vault
            .get_variable("team_a_/x.y")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        VALUE
    );
    for request in requests(&server).await {
        assert!(
            request == "GET /v1/auth/token/lookup-self"
                || request.starts_with("GET /v1/secret/data/variables/team_a_/"),
            "a request left the mount: {request}"
        );
    }
    logs.assert_free_of(SUITE_SECRETS);
}

/// With `mount_point: null` the mount is the key's first segment: it cannot be `..` either.
#[tokio::test]
async fn trust_12_a_dot_mount_from_the_key_is_refused() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    mount_any(
        &server,
        Mock::given(method("GET")),
        kv2(json!({ "value": VALUE })),
    )
    .await;
    let vault = backend(&token_kwargs(&server, json!({ "mount_point": null })));
    for key in ["../sys/x", "%2e%2e/sys/x", "./x"] {
        let err = vault.get_variable(key).await.clean_err();
        assert!(matches!(err, Error::Rejected { .. }), "{key}: {err:?}");
    }
    assert_eq!(requests(&server).await, Vec::<String>::new());
    logs.assert_free_of(SUITE_SECRETS);
}
