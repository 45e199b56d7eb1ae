//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against a wiremock Secrets
//! Manager speaking its JSON protocol (`airflow_secrets_testkit::aws_json`): every read is `POST /` with
//! `X-Amz-Target: secretsmanager.GetSecretValue` and `{"SecretId": "airflow/variables/<key>"}`. Default
//! prefixes; the SDK's standard retry policy (3 attempts, back-off with full jitter from 1 s).

use std::sync::Arc;

use airflow_secrets_aws_secrets_manager::{MAX_RESPONSE_BYTES, SecretsManagerBackend};
use airflow_secrets_core::SecretKind;
use airflow_secrets_testkit::aws_json::{AwsJsonStore, BODY_CAP};
use serde_json::json;

const _: () = assert!(MAX_RESPONSE_BYTES == BODY_CAP);

const SECRETS_MANAGER: AwsJsonStore = AwsJsonStore {
    target: "secretsmanager.GetSecretValue",
    name_field: "SecretId",
    not_found: "ResourceNotFoundException",
    action: "secretsmanager:GetSecretValue",
    name: |kind, key| {
        let prefix = match kind {
            SecretKind::Connection => "connections",
            SecretKind::Variable => "variables",
            SecretKind::Config => "config",
        };
        format!("airflow/{prefix}/{key}")
    },
    found: |name, value| {
        json!({
            "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"),
            "Name": name, "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
            "SecretString": value, "VersionStages": ["AWSCURRENT"], "CreatedDate": 1.7e9,
        })
    },
    // `SecretString` must be a string: an object is not the API's shape.
    malformed: |name, planted| json!({ "Name": name, "SecretString": {"v": planted} }),
    backend: |kwargs| Ok(Arc::new(SecretsManagerBackend::from_kwargs(kwargs)?)),
};

mod conformance {
    use airflow_secrets_testkit::aws_json::AwsJsonFixture;

    airflow_secrets_testkit::conformance_tests!(AwsJsonFixture::start(super::SECRETS_MANAGER));
}
