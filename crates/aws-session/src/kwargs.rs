//! [`AwsConnectionKwargs`]: the AWS connection keys Airflow's AWS secrets backends forward to boto3
//! (through `AwsConnectionWrapper` and `SessionFactory`), as a typed struct, and [`parse_kwargs`], which
//! splits a backend's kwargs object into the backend's own keys and these.

use std::fmt;
use std::path::PathBuf;

use airflow_secrets_core::Error;
use airflow_secrets_core::kwargs::{Kwargs, de, field_names};
use airflow_secrets_core::provider::redact;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::{Map, Value};

/// Splits `kwargs` into the backend's own kwargs `P` (a `#[derive(Deserialize)]` struct) and the AWS
/// connection kwargs, naming `backend` in every error.
///
/// A key that is neither a field of `P` nor an AWS connection kwarg is [`Error::UnknownKwarg`], listing
/// both sets; type errors are [`Error::InvalidKwarg`] naming the key, never the value.
///
/// ```
/// use airflow_secrets_aws_session::parse_kwargs;
/// #[derive(serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Own { #[serde(default)] sep: Option<String> }
///
/// let kwargs = serde_json::json!({"sep": "-", "region_name": "eu-west-1"});
/// let (own, aws) = parse_kwargs::<Own>("MyBackend", kwargs.as_object().unwrap()).unwrap();
/// assert_eq!((own.sep.as_deref(), aws.region_name.as_deref()), (Some("-"), Some("eu-west-1")));
///
/// let typo = serde_json::json!({"region": "eu-west-1"});
/// let err = parse_kwargs::<Own>("MyBackend", typo.as_object().unwrap()).err().unwrap().to_string();
/// assert!(err.starts_with("MyBackend: unknown kwarg `region`; accepted kwargs are: sep, region_name"), "{err}");
/// ```
pub fn parse_kwargs<P: DeserializeOwned>(
    backend: &'static str,
    kwargs: &Kwargs,
) -> Result<(P, AwsConnectionKwargs), Error> {
    let own_fields = field_names::<P>().unwrap_or(&[]);
    let aws_fields = field_names::<AwsConnectionKwargs>().unwrap_or(&[]);
    let (mut own, mut aws) = (Kwargs::new(), Kwargs::new());
    for (key, value) in kwargs {
        if own_fields.contains(&key.as_str()) {
            own.insert(key.clone(), value.clone());
        } else if aws_fields.contains(&key.as_str()) {
            aws.insert(key.clone(), value.clone());
        } else {
            return Err(Error::UnknownKwarg {
                backend,
                kwarg: key.clone(),
                accepted: own_fields
                    .iter()
                    .chain(aws_fields)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let own = airflow_secrets_core::kwargs::parse_kwargs::<P>(backend, &own)?;
    let aws = airflow_secrets_core::kwargs::parse_kwargs::<AwsConnectionKwargs>(backend, &aws)?;
    Ok((own, aws))
}

/// The AWS connection kwargs of an Airflow AWS secrets backend: the keys it passes on as the "extra"
/// of its synthetic AWS connection (`{class name}__connection`) and to its boto3 client.
///
/// `Default` leaves every option unset: the AWS SDK's default chain decides credentials and region,
/// as boto3's does.
///
/// ```
/// use airflow_secrets_aws_session::AwsConnectionKwargs;
/// let aws = AwsConnectionKwargs { region_name: Some("eu-west-1".into()), ..AwsConnectionKwargs::default() };
/// assert!(aws.role_arn.is_none());
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConnectionKwargs {
    /// `region_name`: the AWS region (else `config_kwargs.region_name`, else the SDK's region chain).
    #[serde(default)]
    pub region_name: Option<String>,
    /// `profile_name`: a profile of the shared config/credentials files.
    #[serde(default)]
    pub profile_name: Option<String>,
    /// `aws_access_key_id` (used together with `aws_secret_access_key`).
    #[serde(default)]
    pub aws_access_key_id: Option<String>,
    /// `aws_secret_access_key`.
    #[serde(default)]
    pub aws_secret_access_key: Option<SecretString>,
    /// `aws_session_token` (with static keys).
    #[serde(default)]
    pub aws_session_token: Option<SecretString>,
    /// `endpoint_url`: the service endpoint (e.g. a VPC endpoint, LocalStack or moto). Not used for STS.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// `role_arn`: assume this role (STS `AssumeRole`) with the credentials above.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// `assume_role_method`: `"assume_role"` (Airflow's default) or `"assume_role_with_web_identity"`
    /// (`assume_role_with_saml` is refused).
    #[serde(default)]
    pub assume_role_method: Option<String>,
    /// `assume_role_with_web_identity_federation`: where the web identity token comes from; Airflow
    /// requires it with `assume_role_with_web_identity`. `"file"` is supported (`"google"` is not).
    #[serde(default)]
    pub assume_role_with_web_identity_federation: Option<String>,
    /// `assume_role_with_web_identity_token_file`: the token file (else `AWS_WEB_IDENTITY_TOKEN_FILE`).
    #[serde(default)]
    pub assume_role_with_web_identity_token_file: Option<String>,
    /// `assume_role_with_web_identity_federation_audience`: the audience of a `google` federation's
    /// token (accepted so that Airflow's kwargs parse; `google` itself is refused).
    #[serde(default)]
    pub assume_role_with_web_identity_federation_audience: Option<String>,
    /// `assume_role_kwargs`: extra `AssumeRole` parameters.
    #[serde(default, deserialize_with = "assume_role_kwargs")]
    pub assume_role_kwargs: Option<AssumeRoleKwargs>,
    /// `verify`: `false`, or the path of a CA bundle (PEM) to trust instead of the system roots.
    #[serde(default)]
    pub verify: Option<Verify>,
    /// `config_kwargs`: the botocore `Config` options airflow-secrets maps onto the SDK.
    #[serde(default, deserialize_with = "nested")]
    pub config_kwargs: Option<ConfigKwargs>,
    /// `service_config`: per-service settings; `service_config.sts.endpoint_url` is the STS endpoint
    /// used for `role_arn`.
    #[serde(default, deserialize_with = "service_config")]
    pub service_config: Option<ServiceConfig>,
    /// `api_version`: the service's one API version; any other value is an error.
    #[serde(default)]
    pub api_version: Option<String>,
    /// `use_ssl`: `false` is only accepted together with an `http://` `endpoint_url`.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub use_ssl: Option<bool>,
}

impl AwsConnectionKwargs {
    /// The names of the kwargs that are set (for "not used with a ready-made client" errors).
    pub fn set_names(&self) -> Vec<&'static str> {
        [
            ("region_name", self.region_name.is_some()),
            ("profile_name", self.profile_name.is_some()),
            ("aws_access_key_id", self.aws_access_key_id.is_some()),
            (
                "aws_secret_access_key",
                self.aws_secret_access_key.is_some(),
            ),
            ("aws_session_token", self.aws_session_token.is_some()),
            ("endpoint_url", self.endpoint_url.is_some()),
            ("role_arn", self.role_arn.is_some()),
            ("assume_role_method", self.assume_role_method.is_some()),
            (
                "assume_role_with_web_identity_federation",
                self.assume_role_with_web_identity_federation.is_some(),
            ),
            (
                "assume_role_with_web_identity_token_file",
                self.assume_role_with_web_identity_token_file.is_some(),
            ),
            (
                "assume_role_with_web_identity_federation_audience",
                self.assume_role_with_web_identity_federation_audience
                    .is_some(),
            ),
            ("assume_role_kwargs", self.assume_role_kwargs.is_some()),
            ("verify", self.verify.is_some()),
            ("config_kwargs", self.config_kwargs.is_some()),
            ("service_config", self.service_config.is_some()),
            ("api_version", self.api_version.is_some()),
            ("use_ssl", self.use_ssl.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// Debug shows whether credentials are set, never their values.
impl fmt::Debug for AwsConnectionKwargs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |o: bool| if o { Some("[REDACTED]") } else { None };
        f.debug_struct("AwsConnectionKwargs")
            .field("region_name", &self.region_name)
            .field("profile_name", &self.profile_name)
            .field("aws_access_key_id", &set(self.aws_access_key_id.is_some()))
            .field(
                "aws_secret_access_key",
                &set(self.aws_secret_access_key.is_some()),
            )
            .field("aws_session_token", &set(self.aws_session_token.is_some()))
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(redact::url),
            )
            .field("role_arn", &self.role_arn)
            .field("assume_role_method", &self.assume_role_method)
            .field(
                "assume_role_with_web_identity_federation",
                &self.assume_role_with_web_identity_federation,
            )
            .field(
                "assume_role_with_web_identity_token_file",
                &self.assume_role_with_web_identity_token_file,
            )
            .field("assume_role_kwargs", &self.assume_role_kwargs)
            .field("verify", &self.verify)
            .field("config_kwargs", &self.config_kwargs)
            .field("service_config", &self.service_config)
            .field("api_version", &self.api_version)
            .field("use_ssl", &self.use_ssl)
            .finish()
    }
}

/// The `verify` kwarg (botocore's `verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// `true`: verify TLS certificates against the system roots (the default).
    Enabled,
    /// `false`: botocore skips verification. airflow-secrets accepts it only for `http://` endpoints,
    /// where there is nothing to verify (see the crate README).
    Disabled,
    /// A CA bundle (PEM file) whose certificates are trusted *instead of* the system roots, as botocore
    /// does with a path.
    CaBundle(PathBuf),
}

impl<'de> Deserialize<'de> for Verify {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Per-key overrides (AIRFLOW__SECRETS__BACKEND_KWARG__VERIFY) arrive as strings, so "false" and
        // "true" mean the booleans; any other string is a path, as for botocore.
        match Value::deserialize(d)? {
            Value::Bool(true) => Ok(Verify::Enabled),
            Value::Bool(false) => Ok(Verify::Disabled),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Verify::Enabled),
                "false" => Ok(Verify::Disabled),
                "" => Err(D::Error::custom(
                    "expected true, false or the path of a CA bundle, not an empty string",
                )),
                _ => Ok(Verify::CaBundle(PathBuf::from(s))),
            },
            _ => Err(D::Error::custom(
                "expected true, false or the path of a CA bundle (a string)",
            )),
        }
    }
}

/// `assume_role_kwargs`: the `AssumeRole` parameters Airflow passes through to boto3, with boto3's names.
///
/// `RoleArn` is accepted and ignored (Airflow always uses `role_arn`). Boto3 parameters the SDK's
/// `AssumeRoleProvider` cannot send (`SerialNumber`, `TokenCode`, `TransitiveTagKeys`, `SourceIdentity`,
/// `ProvidedContexts`) are rejected with a clear error rather than silently dropped.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumeRoleKwargs {
    /// `RoleSessionName` (Airflow's default: `Airflow_{class name}__connection`, e.g.
    /// `Airflow_SystemsManagerParameterStoreBackend__connection`).
    #[serde(rename = "RoleSessionName", default)]
    pub role_session_name: Option<String>,
    /// `ExternalId`.
    #[serde(rename = "ExternalId", default)]
    pub external_id: Option<String>,
    /// `DurationSeconds` (STS default 3600).
    #[serde(
        rename = "DurationSeconds",
        default,
        deserialize_with = "de::opt_number_lenient"
    )]
    pub duration_seconds: Option<u32>,
    /// `Policy`: an inline session policy (JSON text).
    #[serde(rename = "Policy", default)]
    pub policy: Option<String>,
    /// `PolicyArns`: `[{"arn": "..."}]`.
    #[serde(rename = "PolicyArns", default)]
    pub policy_arns: Option<Vec<PolicyArn>>,
    /// `Tags`: `[{"Key": "...", "Value": "..."}]`.
    #[serde(rename = "Tags", default)]
    pub tags: Option<Vec<Tag>>,
}

/// The external id is a shared secret between accounts: Debug shows only whether it is set.
impl fmt::Debug for AssumeRoleKwargs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleKwargs")
            .field("role_session_name", &self.role_session_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "[REDACTED]"),
            )
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy.as_ref().map(|_| "(inline policy)"))
            .field("policy_arns", &self.policy_arns)
            .field("tags", &self.tags)
            .finish()
    }
}

/// One entry of `PolicyArns`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyArn {
    /// The managed policy ARN.
    pub arn: String,
}

/// One session tag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    /// `Key`.
    #[serde(rename = "Key")]
    pub key: String,
    /// `Value`.
    #[serde(rename = "Value")]
    pub value: String,
}

/// `config_kwargs`: the subset of botocore's `Config` that has a meaning for the Rust SDK.
/// Any other key is an error naming the accepted ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigKwargs {
    /// `connect_timeout` in seconds (SDK default 3.1 s; botocore's 60 s).
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub connect_timeout: Option<f64>,
    /// `read_timeout` in seconds (default 60 s, as botocore).
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub read_timeout: Option<f64>,
    /// `retries`.
    #[serde(default)]
    pub retries: Option<RetriesKwargs>,
    /// `region_name` (the top-level `region_name` kwarg wins, as in boto3).
    #[serde(default)]
    pub region_name: Option<String>,
    /// `use_fips_endpoint`.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub use_fips_endpoint: Option<bool>,
    /// `use_dualstack_endpoint`.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub use_dualstack_endpoint: Option<bool>,
}

/// `config_kwargs.retries` (botocore's retry configuration).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetriesKwargs {
    /// `max_attempts`: botocore counts **retries** here, so the SDK makes `max_attempts + 1` attempts.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub max_attempts: Option<u32>,
    /// `total_max_attempts`: attempts including the first one; wins over `max_attempts`.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub total_max_attempts: Option<u32>,
    /// `mode`: `standard`, `adaptive`, or `legacy` (mapped to `standard`: the Rust SDK has no legacy mode).
    #[serde(default)]
    pub mode: Option<RetryModeKwarg>,
}

/// `config_kwargs.retries.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryModeKwarg {
    /// botocore's `legacy` mode; the SDK runs it as `standard`.
    Legacy,
    /// `standard`.
    Standard,
    /// `adaptive` (client-side rate limiting on throttling).
    Adaptive,
}

/// `service_config`: Airflow's per-service settings of an AWS connection. This backend reads
/// `sts.endpoint_url` only (the STS endpoint for `role_arn`), exactly like Airflow; entries for other
/// services are accepted and ignored, as Airflow's AWS secrets backends ignore them too.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    /// `service_config.sts`.
    pub sts: Option<ServiceEndpoint>,
}

/// The part of one service's `service_config` entry that is used. `Debug` masks URL userinfo.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEndpoint {
    /// `endpoint_url`.
    #[serde(default)]
    pub endpoint_url: Option<String>,
}

impl fmt::Debug for ServiceEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceEndpoint")
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(redact::url),
            )
            .finish()
    }
}

impl ServiceEndpoint {
    /// An entry with this endpoint.
    pub fn new(endpoint_url: impl Into<String>) -> Self {
        ServiceEndpoint {
            endpoint_url: Some(endpoint_url.into()),
        }
    }
}

/// A nested JSON object, or a string holding one (per-key env overrides are strings), deserialized into
/// `T` with errors that name the nested key but never echo a value.
fn nested<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    match object_or_json_string(d)? {
        None => Ok(None),
        Some(map) => typed(map).map(Some).map_err(D::Error::custom),
    }
}

fn assume_role_kwargs<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<AssumeRoleKwargs>, D::Error> {
    let Some(mut map) = object_or_json_string(d)? else {
        return Ok(None);
    };
    // Airflow builds `{**assume_role_kwargs, "RoleArn": role_arn}`: a RoleArn here never counts.
    map.remove("RoleArn");
    if let Some(key) = map
        .keys()
        .find(|k| UNSUPPORTED_ASSUME_ROLE_KEYS.contains(&k.as_str()))
    {
        return Err(D::Error::custom(format!(
            "`{key}` is an AssumeRole parameter that airflow-secrets does not support (the AWS SDK's \
             AssumeRoleProvider cannot send it); supported: RoleSessionName, ExternalId, \
             DurationSeconds, Policy, PolicyArns, Tags"
        )));
    }
    typed(map).map(Some).map_err(D::Error::custom)
}

fn service_config<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ServiceConfig>, D::Error> {
    let Some(map) = object_or_json_string(d)? else {
        return Ok(None);
    };
    let mut config = ServiceConfig::default();
    for (service, entry) in map {
        if service == "sts" {
            let entry = match entry {
                Value::Object(m) => m,
                Value::Null => continue,
                _ => {
                    return Err(D::Error::custom(
                        "`sts`: expected an object such as {\"endpoint_url\": \"...\"}",
                    ));
                }
            };
            config.sts = Some(typed(entry).map_err(|e| D::Error::custom(format!("`sts`: {e}")))?);
        } else {
            // A connection "extra" shared with other hooks may configure other services; Airflow's AWS
            // secrets backends ignore those entries (even their own service's: they pass only the global
            // `endpoint_url` to their client).
            tracing::debug!(
                service,
                "service_config entry ignored: Airflow's AWS secrets backends read only `sts`"
            );
        }
    }
    Ok(Some(config))
}

fn object_or_json_string<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(map)),
        Value::String(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => Ok(Some(map)),
            Ok(Value::Null) => Ok(None),
            _ => Err(D::Error::custom(
                "expected a JSON object (or a string holding one)",
            )),
        },
        _ => Err(D::Error::custom("expected a JSON object")),
    }
}

/// boto3 `assume_role` parameters the SDK's `AssumeRoleProvider` has no setter for.
const UNSUPPORTED_ASSUME_ROLE_KEYS: &[&str] = &[
    "SerialNumber",
    "TokenCode",
    "TransitiveTagKeys",
    "SourceIdentity",
    "ProvidedContexts",
];

fn typed<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, String> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let inner = e.inner().to_string();
        let mut path = e.path().to_string();
        if inner.starts_with("unknown field") {
            // The path ends with the unknown key itself, which the message names already.
            path = path
                .rsplit_once('.')
                .map_or(".".to_owned(), |(parent, _)| parent.to_owned());
        }
        let message = redact(&inner);
        if path == "." {
            message
        } else {
            format!("`{path}`: {message}")
        }
    })
}

/// serde's messages, made safe to show: messages about keys are reworded without ", expected " (so that
/// the outer kwarg-level redaction, which cuts at that phrase, keeps the offending key's name); all others
/// go through the workspace's one redaction, [`redact::serde_message`].
fn redact(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return match rest.split_once(", expected ") {
            Some((key, accepted)) => {
                let accepted = accepted.strip_prefix("one of ").unwrap_or(accepted);
                format!("unknown key {key}; accepted keys are {accepted}")
            }
            None => format!("unknown key {rest}"),
        };
    }
    redact::serde_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
    use serde_json::json;

    fn parse(v: Value) -> Result<AwsConnectionKwargs, airflow_secrets_core::Error> {
        let map: Kwargs = v.as_object().unwrap().clone();
        parse_kwargs("SystemsManagerParameterStoreBackend", &map)
    }

    #[test]
    fn verify_accepts_bools_their_strings_and_paths() {
        for (v, expected) in [
            (json!(true), Verify::Enabled),
            (json!(false), Verify::Disabled),
            (json!("False"), Verify::Disabled),
            (json!("true"), Verify::Enabled),
            (json!("/etc/ca.pem"), Verify::CaBundle("/etc/ca.pem".into())),
        ] {
            assert_eq!(parse(json!({"verify": v})).unwrap().verify, Some(expected));
        }
        assert_eq!(parse(json!({"verify": null})).unwrap().verify, None);
        let err = parse(json!({"verify": 3})).unwrap_err().to_string();
        assert!(
            err.contains("kwarg `verify`") && err.contains("CA bundle"),
            "{err}"
        );
    }

    #[test]
    fn config_kwargs_are_typed_lenient_and_closed() {
        let k = parse(
            json!({"config_kwargs": {"connect_timeout": "2.5", "read_timeout": 7,
            "retries": {"max_attempts": "4", "mode": "adaptive"}}}),
        )
        .unwrap();
        let c = k.config_kwargs.unwrap();
        assert_eq!((c.connect_timeout, c.read_timeout), (Some(2.5), Some(7.0)));
        let r = c.retries.unwrap();
        assert_eq!(
            (r.max_attempts, r.mode),
            (Some(4), Some(RetryModeKwarg::Adaptive))
        );

        // A per-key override gives the whole object as a string.
        let k = parse(json!({"config_kwargs": "{\"retries\": {\"mode\": \"legacy\"}}"})).unwrap();
        assert_eq!(
            k.config_kwargs.unwrap().retries.unwrap().mode,
            Some(RetryModeKwarg::Legacy)
        );

        let err = parse(json!({"config_kwargs": {"signature_version": "unsigned"}}))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("SystemsManagerParameterStoreBackend: kwarg `config_kwargs`: unknown key `signature_version`; accepted keys are `connect_timeout`, `read_timeout`, `retries`"),
            "{err}"
        );
        let err = parse(json!({"config_kwargs": {"retries": {"mode": "turbo"}}}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`retries.mode`") && err.contains("legacy"),
            "{err}"
        );
        let err = parse(json!({"config_kwargs": {"retries": {"max_attempts": "s3cr3t"}}}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`retries.max_attempts`") && !err.contains("s3cr3t"),
            "{err}"
        );
        // A value holding serde's own separator: still redacted, and the nested key still named.
        let err = parse(json!({"config_kwargs": {"retries": {"mode": "x, expected s3cr3t"}}}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`retries.mode`") && !err.contains("s3cr3t"),
            "{err}"
        );
    }

    #[test]
    fn assume_role_kwargs_use_boto3_names() {
        let k = parse(json!({"role_arn": "arn:aws:iam::123456789012:role/r", "assume_role_kwargs": {
            "RoleSessionName": "s", "ExternalId": "x", "DurationSeconds": 900, "RoleArn": "ignored",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}], "Tags": [{"Key": "k", "Value": "v"}]}}))
        .unwrap();
        let a = k.assume_role_kwargs.unwrap();
        assert_eq!(a.role_session_name.as_deref(), Some("s"));
        assert_eq!(a.external_id.as_deref(), Some("x"));
        assert_eq!(a.duration_seconds, Some(900));
        assert_eq!(
            a.policy_arns.unwrap()[0].arn,
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        );
        assert_eq!(a.tags.unwrap()[0].key, "k");
        let err = parse(
            json!({"assume_role_kwargs": {"SerialNumber": "arn:mfa", "TokenCode": "123456"}}),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(
                "`SerialNumber` is an AssumeRole parameter that airflow-secrets does not support"
            ),
            "{err}"
        );
        let err = parse(json!({"assume_role_kwargs": {"RoleSesionName": "typo"}}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key `RoleSesionName`; accepted keys are `RoleSessionName`"),
            "{err}"
        );
    }

    #[test]
    fn service_config_reads_sts_and_ignores_other_services() {
        let k = parse(json!({"service_config": {"sts": {"endpoint_url": "http://127.0.0.1:1"}, "s3": {"x": 1}}}))
            .unwrap();
        assert_eq!(
            k.service_config
                .unwrap()
                .sts
                .unwrap()
                .endpoint_url
                .as_deref(),
            Some("http://127.0.0.1:1")
        );
        let err = parse(json!({"service_config": {"sts": {"endpoint": "x"}}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("kwarg `service_config`: `sts`: unknown key `endpoint`; accepted keys are `endpoint_url`"), "{err}");
    }

    #[test]
    fn split_lists_both_sets_and_names_the_key_not_the_value() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Own {
            #[serde(default)]
            sep: Option<String>,
        }
        let split = |v: Value| super::parse_kwargs::<Own>("B", v.as_object().unwrap());
        let (own, aws) =
            split(json!({"sep": "_", "region_name": "eu-west-1", "use_ssl": "true"})).unwrap();
        assert_eq!(own.sep.as_deref(), Some("_"));
        assert_eq!(
            (aws.region_name.as_deref(), aws.use_ssl),
            (Some("eu-west-1"), Some(true))
        );
        let err = split(json!({"region": "eu-west-1"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "B: unknown kwarg `region`; accepted kwargs are: sep, region_name, profile_name"
            ),
            "{err}"
        );
        assert!(err.ends_with("api_version, use_ssl"), "{err}");
        let err = split(json!({"sep": 5})).unwrap_err().to_string();
        assert!(err.contains("kwarg `sep`"), "{err}");
        let err = split(json!({"aws_access_key_id": ["s3cr3t"]}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("kwarg `aws_access_key_id`") && !err.contains("s3cr3t"),
            "{err}"
        );
    }

    #[test]
    fn debug_never_shows_credentials() {
        let k = parse(json!({"aws_access_key_id": "AKIDSECRETID", "aws_secret_access_key": "s3cr3t-key",
            "aws_session_token": "s3cr3t-token", "assume_role_kwargs": {"ExternalId": "s3cr3t-ext"}}))
        .unwrap();
        let shown = format!("{k:?}");
        for secret in ["AKIDSECRETID", "s3cr3t-key", "s3cr3t-token", "s3cr3t-ext"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("aws_secret_access_key: Some(\"[REDACTED]\")"),
            "{shown}"
        );
    }
}
