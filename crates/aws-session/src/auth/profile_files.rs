//! A check of the files `aws-config` will read itself, before the SDK client is built.
//!
//! `aws-config` reads the profile files (`AWS_CONFIG_FILE` / `~/.aws/config`,
//! `AWS_SHARED_CREDENTIALS_FILE` / `~/.aws/credentials`) and the token files of the default chain
//! (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`) with a blocking, unbounded
//! `std::fs::read`, on the async executor: a FIFO there blocks the lookup — and an executor thread — for
//! ever (not even a caller's timeout fires), and `/dev/zero` or a huge file exhausts memory. So before
//! the first lookup builds the client, each of these files that exists is read the bounded way
//! ([`files::read_bounded`]: a regular file, opened without blocking, size-capped); a FIFO, device or
//! oversized file is a clear error instead. A missing or unreadable file is left to the SDK (which
//! skips a missing profile file). Profile files given to the builder (`EnvConfigFiles`, opaque) cannot
//! be checked; nor can a file replaced between this check and the SDK's read.
//!
//! The variables are read as the SDK reads them, just before it does (the first lookup): an
//! [`EnvSnapshot`] of [`CHECKED`], where empty (or not UTF-8) counts as unset.

use std::io;
use std::path::PathBuf;

use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::provider::files;

use crate::config::{CredentialSource, SessionConfig};

/// The largest profile file (`~/.aws/config`, `~/.aws/credentials`) accepted: 16 MiB, far above any
/// real one (thousands of profiles), far below what would hurt.
pub(crate) const MAX_PROFILE_FILE_BYTES: u64 = 16 << 20;

/// The environment variables this check reads (the SDK itself honours many more: `AWS_PROFILE`,
/// `AWS_REGION`, ...; it reads them itself).
const CHECKED: &[&str] = &[
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "HOME",
    "USERPROFILE",
];

/// `Err(problem)` when a file the SDK is about to read is not a regular file or is too large.
pub(crate) fn check(s: &SessionConfig) -> Result<(), String> {
    check_in(
        s.profile_files.is_none(),
        matches!(s.credentials, CredentialSource::DefaultChain),
        &EnvSnapshot::capture(CHECKED),
    )
}

/// [`check`] for the whole default chain read from the process environment (no profile files given).
pub(crate) fn check_default_chain() -> Result<(), String> {
    check_in(true, true, &EnvSnapshot::capture(CHECKED))
}

/// `default_profile_files`: the SDK reads `AWS_CONFIG_FILE` / `~/.aws/config` & co.; `default_chain`: it
/// also reads the token files of the default chain.
fn check_in(
    default_profile_files: bool,
    default_chain: bool,
    env: &EnvSnapshot,
) -> Result<(), String> {
    let mut checks: Vec<(&str, Option<&str>, u64)> = Vec::new();
    if default_profile_files {
        checks.push((
            "AWS_CONFIG_FILE",
            Some("~/.aws/config"),
            MAX_PROFILE_FILE_BYTES,
        ));
        checks.push((
            "AWS_SHARED_CREDENTIALS_FILE",
            Some("~/.aws/credentials"),
            MAX_PROFILE_FILE_BYTES,
        ));
    }
    if default_chain {
        checks.push((
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            None,
            files::MAX_CREDENTIAL_FILE_BYTES,
        ));
        checks.push((
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            None,
            files::MAX_CREDENTIAL_FILE_BYTES,
        ));
    }
    for (var, default, max) in checks {
        let (path, origin) = match env.get(var) {
            Some(value) => (value.to_owned(), format!("from {var}")),
            None => match default {
                Some(default) => (default.to_owned(), "the default".to_owned()),
                None => continue,
            },
        };
        let Some(expanded) = expand_home(&path, env) else {
            continue;
        };
        match files::read_bounded(&expanded, max) {
            // Not a regular file, or too large: what the SDK's unbounded read cannot survive.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                return Err(format!(
                    "the file `{}` ({origin}), which the AWS SDK would read, cannot be used: {e}",
                    expanded.display()
                ));
            }
            // Read fine, missing, or unreadable (the SDK skips or reports it).
            _ => {}
        }
    }
    Ok(())
}

/// `~` or `~/...` against the home directory, as the SDK expands it; `None` when there is no home.
fn expand_home(path: &str, env: &EnvSnapshot) -> Option<PathBuf> {
    let rest = match path.strip_prefix('~') {
        None => return Some(PathBuf::from(path)),
        Some(rest) => rest,
    };
    if !rest.is_empty() && !rest.starts_with('/') && !rest.starts_with(std::path::MAIN_SEPARATOR) {
        // `~user/...`: the SDK does not expand it either.
        return Some(PathBuf::from(path));
    }
    // `HOME` when set (empty: no home), else `USERPROFILE`.
    let home = if env.names().any(|n| n == "HOME") {
        env.get("HOME")
    } else {
        env.get("USERPROFILE")
    }?;
    let mut expanded = PathBuf::from(home);
    let rest = rest.trim_start_matches(['/', std::path::MAIN_SEPARATOR]);
    if !rest.is_empty() {
        expanded.push(rest);
    }
    Some(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_expansion_matches_the_sdk() {
        let env = EnvSnapshot::from_vars(CHECKED, [("HOME", "/home/airflow")]);
        assert_eq!(
            expand_home("/etc/aws", &env),
            Some(PathBuf::from("/etc/aws"))
        );
        assert_eq!(expand_home("~user/x", &env), Some(PathBuf::from("~user/x")));
        assert_eq!(
            expand_home("~/.aws/config", &env),
            Some(PathBuf::from("/home/airflow/.aws/config"))
        );
        let windows = EnvSnapshot::from_vars(CHECKED, [("USERPROFILE", "/u")]);
        assert_eq!(expand_home("~", &windows), Some(PathBuf::from("/u")));
        let empty_home = EnvSnapshot::from_vars(CHECKED, [("HOME", ""), ("USERPROFILE", "/u")]);
        assert_eq!(expand_home("~/x", &empty_home), None);
        assert_eq!(expand_home("~/x", &EnvSnapshot::empty()), None);
    }
}
