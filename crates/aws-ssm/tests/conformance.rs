//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against a wiremock SSM
//! speaking its JSON protocol (`airflow_secrets_testkit::aws_json`): every read is `POST /` with
//! `X-Amz-Target: AmazonSSM.GetParameter` and `{"Name": "/airflow/variables/<key>", "WithDecryption":
//! true}`. Default prefixes; the SDK's standard retry policy (3 attempts, back-off with full jitter from
//! 1 s: at most 3 s in all, there being no back-off kwarg in botocore's `Config`).

use std::sync::Arc;

use airflow_secrets_aws_ssm::{MAX_RESPONSE_BYTES, SystemsManagerParameterStoreBackend};
use airflow_secrets_core::SecretKind;
use airflow_secrets_testkit::aws_json::{AwsJsonStore, BODY_CAP};
use serde_json::json;

const _: () = assert!(MAX_RESPONSE_BYTES == BODY_CAP);

const SSM: AwsJsonStore = AwsJsonStore {
    target: "AmazonSSM.GetParameter",
    name_field: "Name",
    not_found: "ParameterNotFound",
    action: "ssm:GetParameter",
    name: |kind, key| {
        let prefix = match kind {
            SecretKind::Connection => "connections",
            SecretKind::Variable => "variables",
            SecretKind::Config => "config",
        };
        format!("/airflow/{prefix}/{key}")
    },
    found: |name, value| {
        json!({
            "Parameter": {
                "Name": name, "Type": "SecureString", "Value": value, "Version": 1,
                "LastModifiedDate": 1.7e9, "DataType": "text",
                "ARN": format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
            }
        })
    },
    // `Parameter` must be an object: a plain string is not the API's shape.
    malformed: |_, planted| json!({ "Parameter": planted }),
    backend: |kwargs| {
        Ok(Arc::new(SystemsManagerParameterStoreBackend::from_kwargs(
            kwargs,
        )?))
    },
};

mod conformance {
    use airflow_secrets_testkit::aws_json::AwsJsonFixture;

    airflow_secrets_testkit::conformance_tests!(AwsJsonFixture::start(super::SSM));
}
