//! [`FernetKeys`]: Airflow's `get_fernet()` — the `[core] fernet_key` value as a `MultiFernet`.

use std::fmt;

use fernet::Fernet;

/// The deployment's Fernet keys, as Airflow's `get_fernet()` builds them from `[core] fernet_key`:
///
/// * an empty value means "no encryption" (Airflow's `_NullFernet`): values are stored in plain text, and
///   a row marked encrypted cannot be read;
/// * otherwise the value is split on `,` and each part is a key, tried in order when decrypting (Python's
///   `MultiFernet`, which is how Airflow rotates keys: `new_key,old_key`).
///
/// Like Python's `urlsafe_b64decode`, characters outside the base64 alphabets (a trailing newline from a
/// `_CMD`, spaces after the commas) are ignored, and `+`/`/` are accepted for `-`/`_`.
///
/// `Debug` shows how many keys there are, never the keys.
///
/// ```
/// use airflow_secrets_metastore::FernetKeys;
/// let keys = FernetKeys::parse("Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=, bm90LWEtcmVhbC1rZXktanVzdC0zMi1ieXRlcy0hIT8=")?;
/// assert_eq!(keys.len(), 2);
/// assert_eq!(format!("{keys:?}"), "FernetKeys(2 keys)");
/// assert!(FernetKeys::parse("")?.is_empty());
/// assert_eq!(
///     FernetKeys::parse("k1,not-a-key").unwrap_err().to_string(),
///     "key 1 of 2 is not a valid Fernet key (expected 32 bytes in url-safe base64, 44 characters)"
/// );
/// # Ok::<(), airflow_secrets_metastore::FernetKeyError>(())
/// ```
#[derive(Clone, Default)]
pub struct FernetKeys {
    keys: Vec<Fernet>,
}

/// A `[core] fernet_key` value that is not a list of Fernet keys. The message never shows the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "key {position} of {count} is not a valid Fernet key (expected 32 bytes in url-safe base64, 44 characters)"
)]
pub struct FernetKeyError {
    /// 1-based position of the bad key in the comma-separated list.
    pub position: usize,
    /// How many keys the value holds.
    pub count: usize,
}

/// A value could not be decrypted with any of the keys (wrong key, or not a Fernet token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecryptError;

impl FernetKeys {
    /// Parses a `[core] fernet_key` value. Empty (or all-whitespace) means no encryption.
    pub fn parse(value: &str) -> Result<FernetKeys, FernetKeyError> {
        if value.trim().is_empty() {
            return Ok(FernetKeys::none());
        }
        let parts: Vec<&str> = value.split(',').collect();
        let count = parts.len();
        let keys = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                Fernet::new(&normalize_base64(part)).ok_or(FernetKeyError {
                    position: i + 1,
                    count,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FernetKeys { keys })
    }

    /// No key: Airflow's `_NullFernet` (values are plain text).
    pub fn none() -> FernetKeys {
        FernetKeys { keys: Vec::new() }
    }

    /// `true` when no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many keys are configured.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Encrypts with the first key, as Python's `MultiFernet.encrypt` (what Airflow does when it stores a
    /// value); `None` when no key is configured (Airflow then stores the plain text).
    ///
    /// ```
    /// use airflow_secrets_metastore::FernetKeys;
    /// let keys = FernetKeys::parse("Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=")?;
    /// let token = keys.encrypt("hello").unwrap();
    /// assert!(token.starts_with("gAAAAA"));
    /// assert!(FernetKeys::none().encrypt("hello").is_none());
    /// # Ok::<(), airflow_secrets_metastore::FernetKeyError>(())
    /// ```
    pub fn encrypt(&self, plain: &str) -> Option<String> {
        self.keys.first().map(|k| k.encrypt(plain.as_bytes()))
    }

    /// Decrypts a token with each key in turn (Python's `MultiFernet.decrypt` without a TTL).
    ///
    /// The token's timestamp is not checked: Python checks it only when a TTL is given, which Airflow never
    /// does, while `fernet::Fernet::decrypt` refuses tokens stamped more than 60 s in the future (a writer
    /// whose clock runs ahead of ours). Passing the largest "now" the crate accepts disables that check.
    pub(crate) fn decrypt(&self, token: &str) -> Result<Vec<u8>, DecryptError> {
        const FAR_FUTURE: u64 = u64::MAX - 60; // `now + MAX_CLOCK_SKEW` must not overflow.
        self.keys
            .iter()
            .find_map(|k| k.decrypt_at_time(token.trim(), None, FAR_FUTURE).ok())
            .ok_or(DecryptError)
    }
}

/// Keeps only base64 characters, mapping the standard alphabet's `+`/`/` to the url-safe `-`/`_`:
/// Python's `urlsafe_b64decode` discards everything else.
fn normalize_base64(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '=' => Some(c),
            '+' => Some('-'),
            '/' => Some('_'),
            _ => None,
        })
        .collect()
}

impl fmt::Debug for FernetKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.keys.len() {
            0 => f.write_str("FernetKeys(none)"),
            1 => f.write_str("FernetKeys(1 key)"),
            n => write!(f, "FernetKeys({n} keys)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=";
    const K2: &str = "bm90LWEtcmVhbC1rZXktanVzdC0zMi1ieXRlcy0hIT8=";

    #[test]
    fn multifernet_tries_keys_in_order() {
        let old = Fernet::new(K2).unwrap().encrypt(b"old secret");
        let new = Fernet::new(K1).unwrap().encrypt(b"new secret");
        let rotated = FernetKeys::parse(&format!("{K1},{K2}")).unwrap();
        assert_eq!(rotated.decrypt(&old).unwrap(), b"old secret");
        assert_eq!(rotated.decrypt(&new).unwrap(), b"new secret");
        let only_new = FernetKeys::parse(K1).unwrap();
        assert_eq!(only_new.decrypt(&old), Err(DecryptError));
        assert_eq!(only_new.decrypt("not a token"), Err(DecryptError));
        assert_eq!(FernetKeys::none().decrypt(&new), Err(DecryptError));
    }

    #[test]
    fn keys_are_read_like_python_urlsafe_b64decode() {
        // A `_CMD` output keeps its newline; spaces after commas; the standard alphabet.
        let keys = FernetKeys::parse(&format!(" {K1}\n, {K2}\n")).unwrap();
        assert_eq!(keys.len(), 2);
        let std_alphabet = "//////////////////////////////////////////8=";
        assert_eq!(FernetKeys::parse(std_alphabet).unwrap().len(), 1);
        assert!(FernetKeys::parse("  \n").unwrap().is_empty());
        assert_eq!(
            FernetKeys::parse(&format!("{K1},")).unwrap_err(),
            FernetKeyError {
                position: 2,
                count: 2
            }
        );
    }

    #[test]
    fn future_timestamps_are_accepted_as_in_python() {
        let f = Fernet::new(K1).unwrap();
        let far_future = f.encrypt_at_time(b"v", 4_000_000_000);
        assert!(
            f.decrypt(&far_future).is_err(),
            "the crate's own check refuses it"
        );
        assert_eq!(
            FernetKeys::parse(K1).unwrap().decrypt(&far_future).unwrap(),
            b"v"
        );
    }
}
