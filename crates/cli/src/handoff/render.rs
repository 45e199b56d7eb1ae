//! `export`'s output formats.

use base64::Engine;
use serde_json::{Map, Value};

use super::resolve::EnvVar;
use super::spec::is_portable_name;

/// `export NAME='value'` lines for POSIX shells. Inside single quotes every byte is literal except `'`,
/// written `'\''`. Names must be shell identifiers.
pub fn shell(vars: &[EnvVar]) -> Result<String, String> {
    let mut out = String::new();
    for v in vars {
        if !is_portable_name(&v.name) {
            return Err(format!(
                "`{}` is not a shell variable name; name it yourself (--conn ID:url=NAME, --var KEY=NAME) \
                 or use -o json",
                v.name
            ));
        }
        out.push_str(&format!(
            "export {}='{}'\n",
            v.name,
            v.value.expose().replace('\'', r"'\''")
        ));
    }
    Ok(out)
}

/// `NAME=value` lines in the dotenv format (docker compose, python-dotenv, dotenvy): single-quoted, so
/// nothing is expanded; a value holding `'` is double-quoted with `\\`, `\"`, `\$` and `\n` escapes.
/// `docker run --env-file` does not read quotes: use this there only for plain values.
pub fn dotenv(vars: &[EnvVar]) -> Result<String, String> {
    let mut out = String::new();
    for v in vars {
        if !is_portable_name(&v.name) {
            return Err(format!(
                "`{}` is not a valid dotenv name; name it yourself (--conn ID:url=NAME, --var KEY=NAME)",
                v.name
            ));
        }
        let value = v.value.expose();
        if value.contains('\r') {
            return Err(format!(
                "the value of `{}` contains a carriage return, which dotenv files cannot hold; use -o json",
                v.name
            ));
        }
        let quoted = if value.contains('\'') {
            let mut q = String::from("\"");
            for c in value.chars() {
                match c {
                    '\\' => q.push_str("\\\\"),
                    '"' => q.push_str("\\\""),
                    '$' => q.push_str("\\$"),
                    '\n' => q.push_str("\\n"),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        } else {
            format!("'{value}'")
        };
        out.push_str(&format!("{}={quoted}\n", v.name));
    }
    Ok(out)
}

/// `{"NAME": "value", ...}`.
pub fn json(vars: &[EnvVar]) -> String {
    let map: Map<String, Value> = vars
        .iter()
        .map(|v| (v.name.clone(), Value::String(v.value.expose().to_owned())))
        .collect();
    serde_json::to_string_pretty(&Value::Object(map)).expect("JSON values always serialise") + "\n"
}

/// A Kubernetes `Secret` manifest (YAML) named `name`, the values base64-encoded under `data`.
pub fn k8s_secret(vars: &[EnvVar], name: &str) -> Result<String, String> {
    let valid_name = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(format!(
            "`{name}` is not a valid Kubernetes object name (lower-case letters, digits, `-` and `.`)"
        ));
    }
    let mut out =
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: Opaque\ndata:\n");
    for v in vars {
        // Secret keys: [-._a-zA-Z0-9]+ (Kubernetes' validation).
        if v.name.is_empty()
            || !v
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            return Err(format!("`{}` is not a valid Kubernetes Secret key", v.name));
        }
        let data = base64::engine::general_purpose::STANDARD.encode(v.value.expose());
        out.push_str(&format!("  {}: {data}\n", v.name));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, value: &str) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn formats() {
        let vars = [var("A", "it's $HOME"), var("B", "plain")];
        assert_eq!(
            shell(&vars).unwrap(),
            "export A='it'\\''s $HOME'\nexport B='plain'\n"
        );
        assert_eq!(dotenv(&vars).unwrap(), "A=\"it's \\$HOME\"\nB='plain'\n");
        assert_eq!(
            json(&vars),
            "{\n  \"A\": \"it's $HOME\",\n  \"B\": \"plain\"\n}\n"
        );
        assert_eq!(
            k8s_secret(&vars, "airflow-secrets").unwrap(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: airflow-secrets\ntype: Opaque\ndata:\n  \
             A: aXQncyAkSE9NRQ==\n  B: cGxhaW4=\n"
        );
        assert!(shell(&[var("AIRFLOW_CONN_MY-PG", "x")]).is_err());
        assert!(k8s_secret(&vars, "Bad_Name").is_err());
    }
}
