//! RSA keys generated at test time (nothing secret is checked in).

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A fresh RSA-2048 key pair as PEM: (PKCS#8 private key, SubjectPublicKeyInfo public key).
pub fn rsa_pem_pair() -> (String, String) {
    let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
    let private: Pkcs8V1Der<'static> = pair.as_der().expect("PKCS#8 encoding");
    let public: PublicKeyX509Der<'static> = pair.public_key().as_der().expect("SPKI encoding");
    (
        pem("PRIVATE KEY", private.as_ref()),
        pem("PUBLIC KEY", public.as_ref()),
    )
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
