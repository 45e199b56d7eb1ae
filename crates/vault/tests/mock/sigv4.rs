//! An independent SigV4 check (aws-lc-rs HMAC/SHA-256, not aws-sigv4) of the request a Vault
//! `aws_iam` login carries, so the test proves the signature is valid, not only present.

use std::collections::BTreeMap;

use aws_lc_rs::{digest, hmac};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
        .as_ref()
        .to_vec()
}

/// Parsed `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
pub struct Authorization {
    pub access_key: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Authorization {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .expect("SigV4 authorization");
    let mut parts = BTreeMap::new();
    for part in rest.split(", ") {
        let (k, v) = part.split_once('=').unwrap();
        parts.insert(k.to_owned(), v.to_owned());
    }
    let scope: Vec<&str> = parts["Credential"].split('/').collect();
    assert_eq!(scope.len(), 5, "{value}");
    assert_eq!(scope[4], "aws4_request");
    Authorization {
        access_key: scope[0].into(),
        date: scope[1].into(),
        region: scope[2].into(),
        service: scope[3].into(),
        signed_headers: parts["SignedHeaders"]
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: parts["Signature"].clone(),
    }
}

/// Recomputes the signature of `POST <path>` with `headers` (lowercase names) and `body`.
pub fn expected_signature(
    secret_key: &str,
    auth: &Authorization,
    headers: &BTreeMap<String, String>,
    path: &str,
    body: &str,
) -> String {
    let canonical_headers: String = auth
        .signed_headers
        .iter()
        .map(|h| format!("{h}:{}\n", headers[h].trim()))
        .collect();
    let canonical_request = format!(
        "POST\n{path}\n\n{canonical_headers}\n{}\n{}",
        auth.signed_headers.join(";"),
        hex(digest::digest(&digest::SHA256, body.as_bytes()).as_ref())
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        headers["x-amz-date"],
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
    );
    let k_date = mac(format!("AWS4{secret_key}").as_bytes(), &auth.date);
    let k_region = mac(&k_date, &auth.region);
    let k_service = mac(&k_region, &auth.service);
    let k_signing = mac(&k_service, "aws4_request");
    hex(&mac(&k_signing, &string_to_sign))
}
