//! `aws_iam`: a SigV4-signed `sts:GetCallerIdentity` request that Vault replays to STS (hvac's
//! `iam_login`), optionally after an `sts:AssumeRole` (Airflow's `assume_role_kwargs`).
//!
//! Signing uses `aws-sigv4`. Without `key_id`/`secret_id` the credentials come from boto3's default
//! chain, as in Airflow: the `AWS_*` variables captured at construction, else aws-config's chain
//! (profile, web identity, container, instance metadata) through the AWS session crate, at each login.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use airflow_secrets_core::provider::redact;

use crate::client::Transport;
use crate::config::{AssumeRole, AwsCredentialSource, AwsCredentials, AwsIamAuth};
use crate::errors::{Failure, chain};
use crate::http::{read_body, too_large};

/// hvac's fixed request: the global STS endpoint, whatever the signing region.
const STS_URL: &str = "https://sts.amazonaws.com/";
const STS_HOST: &str = "sts.amazonaws.com";
const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The base64 fields of `POST auth/aws/login`.
pub(crate) struct IamLoginRequest {
    pub url: String,
    pub headers: String,
    pub body: String,
}

pub(crate) async fn login_request(
    auth: &AwsIamAuth,
    transport: &Transport,
) -> Result<IamLoginRequest, Failure> {
    let (base, session_region) = base_credentials(auth, transport).await?;
    let assumed;
    let credentials = match &auth.assume_role {
        Some(assume) => {
            assumed = assume_role(assume, &base, transport).await?;
            &assumed
        }
        None => &base,
    };
    let region = auth
        .region
        .as_deref()
        .or(session_region.as_deref())
        .unwrap_or(DEFAULT_REGION);
    sign_get_caller_identity(credentials, region, SystemTime::now())
}

/// hvac's `iam_login` region when none is configured (Airflow would sign with the literal `None`).
const DEFAULT_REGION: &str = "us-east-1";

/// How long the default chain may take when `timeout` is `null`: botocore's default read timeout.
const CHAIN_DEADLINE_WITHOUT_TIMEOUT: Duration = Duration::from_secs(60);

/// The credentials that sign (or call `sts:AssumeRole`), and the session's region for the default
/// chain (`None` for static keys, which hvac signs in `region` or `us-east-1`).
async fn base_credentials(
    auth: &AwsIamAuth,
    transport: &Transport,
) -> Result<(AwsCredentials, Option<String>), Failure> {
    let (environment, environment_region) = match &auth.credentials {
        AwsCredentialSource::Kwargs(keys) => return Ok((keys.clone(), None)),
        AwsCredentialSource::DefaultChain {
            environment,
            environment_region,
        } => (environment, environment_region),
    };
    let no_credentials = |problem: String| {
        Failure::Local(format!(
            "no AWS credentials for the aws_iam login: {problem}. Set the key_id and secret_id \
             kwargs, or configure boto3's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
             AWS_PROFILE and the shared files, AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, container or \
             instance credentials)"
        ))
    };
    // Only the region is needed from the files when the variables hold the keys.
    if let Some(keys) = environment {
        let region = match environment_region {
            Some(region) => Some(region.clone()),
            None => airflow_secrets_aws_session::configured_region()
                .await
                .map_err(no_credentials)?,
        };
        return Ok((keys.clone(), region));
    }
    let deadline = transport
        .lock_wait
        .unwrap_or(CHAIN_DEADLINE_WITHOUT_TIMEOUT);
    let found = airflow_secrets_aws_session::default_chain(deadline)
        .await
        .map_err(no_credentials)?;
    let credentials = AwsCredentials {
        access_key_id: found.credentials.access_key_id().to_owned(),
        secret_access_key: SecretString::from(found.credentials.secret_access_key().to_owned()),
        session_token: found
            .credentials
            .session_token()
            .map(|t| SecretString::from(t.to_owned())),
    };
    Ok((credentials, environment_region.clone().or(found.region)))
}

/// Signs hvac's `GetCallerIdentity` request and encodes it as Vault's `iam_request_*` fields. The
/// headers are sent as `{"Name": ["value"]}`, the shape hvac and Vault's own CLI use.
fn sign_get_caller_identity(
    credentials: &AwsCredentials,
    region: &str,
    time: SystemTime,
) -> Result<IamLoginRequest, Failure> {
    let length = GET_CALLER_IDENTITY.len().to_string();
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), FORM.into()),
        ("Host".into(), STS_HOST.into()),
        ("Content-Length".into(), length),
    ];
    let signed = sign_request(
        credentials,
        region,
        time,
        STS_URL,
        &headers,
        GET_CALLER_IDENTITY.as_bytes(),
    )?;
    headers.extend(signed);
    let object: serde_json::Map<String, serde_json::Value> = headers
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::Array(vec![v.into()])))
        .collect();
    Ok(IamLoginRequest {
        url: STANDARD.encode(STS_URL),
        headers: STANDARD.encode(serde_json::Value::Object(object).to_string()),
        body: STANDARD.encode(GET_CALLER_IDENTITY),
    })
}

/// SigV4 for service `sts`: the headers to add (`X-Amz-Date`, `X-Amz-Security-Token`, `Authorization`).
fn sign_request(
    credentials: &AwsCredentials,
    region: &str,
    time: SystemTime,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Vec<(String, String)>, Failure> {
    let identity = Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.expose_secret().to_owned(),
        credentials
            .session_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        None,
        "airflow-secrets-vault",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Failure::Local(format!("cannot sign the AWS request: {e}")))?
        .into();
    let request = SignableRequest::new(
        "POST",
        url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| Failure::Local(format!("cannot sign the AWS request: {e}")))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| Failure::Local(format!("cannot sign the AWS request: {e}")))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (title_case(name), value.to_owned()))
        .collect())
}

/// `x-amz-date` → `X-Amz-Date`, as hvac names them.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `sts:AssumeRole`, as boto3's `sts.assume_role(**assume_role_kwargs)`.
async fn assume_role(
    assume: &AssumeRole,
    base: &AwsCredentials,
    transport: &Transport,
) -> Result<AwsCredentials, Failure> {
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", "AssumeRole")
            .append_pair("Version", "2011-06-15");
        for (k, v) in &assume.params {
            form.append_pair(k, v);
        }
        form.finish()
    };
    let url = format!("{}/", assume.endpoint.trim_end_matches('/'));
    let headers = vec![("Content-Type".to_owned(), FORM.to_owned())];
    let signed = sign_request(
        base,
        &assume.region,
        SystemTime::now(),
        &url,
        &headers,
        body.as_bytes(),
    )?;
    // Its own client (default TLS, no Vault proxies or client certificate): see client::cloud_client.
    let client = transport
        .cloud()
        .ok_or_else(|| Failure::Local("no STS client was built".into()))?;
    let mut request = client.post(&url).header("Content-Type", FORM).body(body);
    for (k, v) in signed {
        request = request.header(k, v);
    }
    let shown = redact::url(&url);
    let sts =
        |problem: String| Failure::Local(format!("sts:AssumeRole at {shown} failed: {problem}"));
    let response = request.send().await.map_err(|e| Failure::Transport {
        timeout: e.is_timeout(),
        message: format!("sts:AssumeRole at {shown}: {}", chain(&e)),
    })?;
    let status = response.status();
    // Read up to MAX_RESPONSE_BYTES only (an AssumeRole answer is ~2 KiB).
    let body = read_body(response)
        .await
        .map_err(|e| sts(chain(&e)))?
        .ok_or_else(|| sts(too_large()))?;
    let text = String::from_utf8(body).map_err(|_| sts("the response is not UTF-8".into()))?;
    if !status.is_success() {
        let (code, message) = sts_error(&text);
        return Err(sts(format!("HTTP {} {code}: {message}", status.as_u16())));
    }
    parse_assume_role(&text).map_err(sts)
}

/// `AccessKeyId`, `SecretAccessKey` and `SessionToken` of an `AssumeRoleResponse`.
fn parse_assume_role(xml: &str) -> Result<AwsCredentials, String> {
    use aws_smithy_xml::decode::{Document, try_data};
    let bad =
        |e: aws_smithy_xml::decode::XmlDecodeError| format!("unreadable AssumeRole response: {e}");
    let mut doc = Document::new(xml);
    let mut root = doc.root_element().map_err(bad)?;
    let (mut id, mut secret, mut token) = (None, None, None);
    while let Some(mut result) = root.next_tag() {
        if !result.start_el().matches("AssumeRoleResult") {
            continue;
        }
        while let Some(mut creds) = result.next_tag() {
            if !creds.start_el().matches("Credentials") {
                continue;
            }
            while let Some(mut field) = creds.next_tag() {
                let name = field.start_el().local().to_owned();
                let value = try_data(&mut field).map_err(bad)?.into_owned();
                match name.as_str() {
                    "AccessKeyId" => id = Some(value),
                    "SecretAccessKey" => secret = Some(SecretString::from(value)),
                    "SessionToken" => token = Some(SecretString::from(value)),
                    _ => {}
                }
            }
        }
    }
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(AwsCredentials {
            access_key_id,
            secret_access_key,
            session_token: token,
        }),
        _ => Err("the AssumeRole response has no credentials".into()),
    }
}

/// `Code` and `Message` of an STS `ErrorResponse` (empty when the body is not one).
fn sts_error(xml: &str) -> (String, String) {
    use aws_smithy_xml::decode::{Document, try_data};
    let mut code = String::new();
    let mut message = String::new();
    let mut doc = Document::new(xml);
    if let Ok(mut root) = doc.root_element() {
        while let Some(mut error) = root.next_tag() {
            if !error.start_el().matches("Error") {
                continue;
            }
            while let Some(mut field) = error.next_tag() {
                let name = field.start_el().local().to_owned();
                let value = try_data(&mut field)
                    .map(|v| v.into_owned())
                    .unwrap_or_default();
                match name.as_str() {
                    "Code" => code = value,
                    "Message" => message = value,
                    _ => {}
                }
            }
        }
    }
    (code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assume_role_response_is_parsed() {
        let xml = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn><AssumedRoleId>ARO:s</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalr/K7MDENG+bPxRfiCYEXAMPLEKEY</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzE&amp;token=</SessionToken>
      <Expiration>2030-01-01T00:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;
        let c = parse_assume_role(xml).unwrap();
        assert_eq!(c.access_key_id, "ASIAEXAMPLE");
        assert_eq!(
            c.secret_access_key.expose_secret(),
            "wJalr/K7MDENG+bPxRfiCYEXAMPLEKEY"
        );
        assert_eq!(
            c.session_token.unwrap().expose_secret(),
            "FwoGZXIvYXdzE&token="
        );
        let err = r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>"#;
        assert_eq!(
            sts_error(err),
            ("AccessDenied".into(), "not allowed".into())
        );
    }

    #[test]
    fn header_names_are_title_cased() {
        assert_eq!(title_case("x-amz-security-token"), "X-Amz-Security-Token");
        assert_eq!(title_case("authorization"), "Authorization");
    }
}
