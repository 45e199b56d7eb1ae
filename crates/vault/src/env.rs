//! The environment variables the backend honours ([`HONOURED`]), read once at construction into the
//! kernel's [`EnvSnapshot`].
//!
//! hvac (Airflow's client) falls back to some `VAULT_*` variables and boto3 to the `AWS_*` ones. We honour
//! the same, listed in [`HONOURED`], and nothing else (no `VAULT_SKIP_VERIFY`, no `VAULT_CACERT`
//! outside `verify`'s default). Capturing the variables once keeps lookups free of process-environment
//! reads and lets tests pass their own.

#[cfg(doc)]
use airflow_secrets_core::provider::env::EnvSnapshot;

/// Every variable the backend may read, and what for:
///
/// * `VAULT_ADDR`: the server when the `url` kwarg is missing or null (hvac);
/// * `VAULT_TOKEN`: the token for `auth_type` `token` when neither `token` nor `token_path` is given
///   (Airflow: `token or os.getenv("VAULT_TOKEN")`);
/// * `VAULT_CACERT`, `VAULT_CAPATH`: CA bundle file / directory when `verify` is not given (hvac);
/// * `VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`: client certificate when `cert` is not given (hvac);
/// * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: `aws_iam` credentials when
///   `key_id`/`secret_id` are not given (the environment part of boto3's default chain);
/// * `AWS_REGION`, `AWS_DEFAULT_REGION`: the `aws_iam` session region and the STS region for
///   `assume_role_kwargs` (the rest of AWS's default chain is read by aws-config at login);
/// * `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`: the STS endpoint for `assume_role_kwargs` (boto3);
/// * `GOOGLE_APPLICATION_CREDENTIALS`: the service-account key file for `gcp` when neither
///   `gcp_key_path` nor `gcp_keyfile_dict` is given (the file part of Google's default credentials);
/// * `GCE_METADATA_HOST`: the metadata server for `gcp` without any key (google-auth's variable).
pub const HONOURED: &[&str] = &[
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_CACERT",
    "VAULT_CAPATH",
    "VAULT_CLIENT_CERT",
    "VAULT_CLIENT_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GCE_METADATA_HOST",
];

#[cfg(test)]
mod tests {
    use super::*;
    use airflow_secrets_core::provider::env::EnvSnapshot;

    #[test]
    fn keeps_only_honoured_names_and_never_prints_values() {
        let env = EnvSnapshot::from_vars(
            HONOURED,
            [
                ("VAULT_TOKEN", "s.t0pSecret"),
                ("HOME", "/root"),
                ("VAULT_ADDR", ""),
            ],
        );
        assert_eq!(env.get("VAULT_TOKEN"), Some("s.t0pSecret"));
        assert_eq!(env.get("HOME"), None);
        assert_eq!(env.get("VAULT_ADDR"), None, "empty counts as unset");
        let debug = format!("{env:?}");
        assert!(!debug.contains("t0pSecret"), "{debug}");
        assert!(debug.contains("VAULT_TOKEN"), "{debug}");
    }
}
