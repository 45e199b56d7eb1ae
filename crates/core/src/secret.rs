//! [`SecretValue`]: a string that never prints itself.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A value read from a secrets store.
///
/// `Debug` and `Display` print `[REDACTED]`, never the value, so a `SecretValue` can sit in a struct
/// that is logged or inside an error without leaking. The memory is zeroed on drop (via `secrecy`).
/// Call [`SecretValue::expose`] at the one place the plain text is needed.
///
/// ```
/// use airflow_secrets_core::SecretValue;
/// let v = SecretValue::new("hunter2");
/// assert_eq!(format!("{v:?} {v}"), "SecretValue([REDACTED]) [REDACTED]");
/// assert_eq!(v.expose(), "hunter2");
/// ```
#[derive(Clone)]
pub struct SecretValue(SecretString);

impl SecretValue {
    /// Wraps a plain string.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(SecretString::from(value.into()))
    }

    /// The plain text. Keep the borrow short; never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// `true` when the value is the empty string (Airflow treats an empty connection value as "not found",
    /// but an empty variable as a real value).
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl From<String> for SecretValue {
    fn from(value: String) -> Self {
        SecretValue::new(value)
    }
}

impl From<&str> for SecretValue {
    fn from(value: &str) -> Self {
        SecretValue::new(value)
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretValue {}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([REDACTED])")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}
