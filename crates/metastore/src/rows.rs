//! Rows of Airflow's `variable` and `connection` tables, and how Airflow's ORM turns them into values.
//!
//! The rules are those of `airflow.models.Variable.get_val` and `Connection.get_password` /
//! `get_extra` (`FernetFieldsMixin` in newer Airflow):
//!
//! * a variable's `val` is decrypted when it is not NULL and `is_encrypted` is true;
//! * a connection's `password` / `extra` are decrypted when they are non-empty and `is_encrypted` /
//!   `is_extra_encrypted` is true; an empty string is returned as it is;
//! * everything else is read as stored (a NULL `is_encrypted`, possible in old schemas, is false).

use airflow_secrets_core::{Connection, ConnectionFlavor, Error, SecretValue};

use airflow_secrets_core::provider::context::LookupContext;

use crate::FernetKeys;

/// The most rows a lookup searches for the row without a team. The query's `LIMIT` is one more (a
/// 17th row tells "more rows of teams than searched" apart from "exactly 16"); a server that sends more
/// than the `LIMIT` is refused. Airflow's keys are unique, so a database has one row per key (per team).
pub(crate) const MAX_ROWS: usize = 16;

/// The largest text column value read (`val`, `password`, `extra`, ...): 4 MiB. A longer value is a
/// `MalformedSecret` (without its text). Airflow's `val` and `extra` columns are `TEXT`, unbounded.
pub(crate) const MAX_VALUE_BYTES: usize = 4 << 20;

/// The columns of a `variable` row that matter.
#[derive(Default)]
pub(crate) struct VariableRow {
    pub(crate) val: Option<String>,
    pub(crate) is_encrypted: bool,
}

/// The columns of a `connection` row that matter.
#[derive(Default)]
pub(crate) struct ConnectionRow {
    pub(crate) conn_id: String,
    pub(crate) conn_type: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) schema: Option<String>,
    pub(crate) login: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) port: Option<i64>,
    pub(crate) is_encrypted: bool,
    pub(crate) is_extra_encrypted: bool,
    pub(crate) extra: Option<String>,
}

/// Decrypts one stored value. `what` names the column for messages (`val`, `password`, `extra`).
fn decrypt(
    keys: &FernetKeys,
    stored: &str,
    what: &str,
    ctx: &LookupContext,
) -> Result<String, Error> {
    if keys.is_empty() {
        return Err(ctx.malformed(format!(
            "`{what}` is stored encrypted, but [core] fernet_key is empty (Airflow's \"no encryption\"); \
             configure the Fernet key the Airflow deployment uses"
        )));
    }
    let plain = keys.decrypt(stored).map_err(|_| {
        ctx.malformed(format!(
            "cannot decrypt `{what}` with the {} key(s) of [core] fernet_key: the value was encrypted \
             with another key (add it to fernet_key, comma-separated) or is not a Fernet token",
            keys.len()
        ))
    })?;
    String::from_utf8(plain)
        .map_err(|_| ctx.malformed(format!("the decrypted `{what}` is not valid UTF-8")))
}

impl VariableRow {
    /// The variable's value, as `Variable.val` reads it. NULL is "not found", as Airflow's `None`.
    ///
    /// Airflow logs a failed decryption and returns `None` (not found); this returns the error, which the
    /// resolver logs before going on, so the outcome of a chain lookup is the same.
    pub(crate) fn value(
        self,
        keys: &FernetKeys,
        ctx: &LookupContext,
    ) -> Result<Option<SecretValue>, Error> {
        match self.val {
            None => Ok(None),
            Some(val) if self.is_encrypted => {
                decrypt(keys, &val, "val", ctx).map(|v| Some(SecretValue::new(v)))
            }
            Some(val) => Ok(Some(SecretValue::new(val))),
        }
    }
}

impl ConnectionRow {
    /// The connection, field by field as the ORM loads it (no URI round trip, no normalisation).
    pub(crate) fn connection(
        self,
        flavor: ConnectionFlavor,
        keys: &FernetKeys,
        ctx: &LookupContext,
    ) -> Result<Connection, Error> {
        let password = match self.password {
            Some(p) if self.is_encrypted && !p.is_empty() => {
                Some(decrypt(keys, &p, "password", ctx)?)
            }
            other => other,
        };
        let extra = match self.extra {
            Some(e) if self.is_extra_encrypted && !e.is_empty() => {
                Some(decrypt(keys, &e, "extra", ctx)?)
            }
            other => other,
        };
        let port = self
            .port
            .map(|p| {
                u16::try_from(p)
                    .map_err(|_| ctx.malformed(format!("`port` {p} is outside 0-65535")))
            })
            .transpose()?;
        let mut c = Connection::new(self.conn_id).with_flavor(flavor);
        c.conn_type = self.conn_type;
        c.description = self.description;
        c.host = self.host;
        c.schema = self.schema;
        c.login = self.login;
        c.password = password.map(SecretValue::new);
        c.port = port;
        c.extra = extra;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airflow_secrets_core::SecretKind;

    const K1: &str = "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=";
    const K2: &str = "bm90LWEtcmVhbC1rZXktanVzdC0zMi1ieXRlcy0hIT8=";

    fn with_ctx<T>(f: impl FnOnce(&LookupContext) -> T) -> T {
        let ctx = LookupContext::new(
            crate::BACKEND,
            SecretKind::Variable,
            "k",
            "table `variable`",
        );
        f(&ctx)
    }

    fn encrypt(key: &str, v: &str) -> String {
        fernet::Fernet::new(key).unwrap().encrypt(v.as_bytes())
    }

    #[test]
    fn variables_follow_variable_get_val() {
        let keys = FernetKeys::parse(&format!("{K1},{K2}")).unwrap();
        with_ctx(|ctx| {
            let v = |val: Option<&str>, enc| VariableRow {
                val: val.map(String::from),
                is_encrypted: enc,
            };
            assert_eq!(
                v(Some("plain"), false)
                    .value(&keys, ctx)
                    .unwrap()
                    .unwrap()
                    .expose(),
                "plain"
            );
            assert_eq!(
                v(Some(""), false)
                    .value(&keys, ctx)
                    .unwrap()
                    .unwrap()
                    .expose(),
                ""
            );
            assert!(v(None, true).value(&keys, ctx).unwrap().is_none());
            let old = encrypt(K2, "rotated");
            assert_eq!(
                v(Some(&old), true)
                    .value(&keys, ctx)
                    .unwrap()
                    .unwrap()
                    .expose(),
                "rotated"
            );
            // Encrypted "" is not a token: Airflow fails to decrypt it too.
            assert!(v(Some(""), true).value(&keys, ctx).is_err());
            let err = v(Some(&old), true)
                .value(&FernetKeys::parse(K1).unwrap(), ctx)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("cannot decrypt `val` with the 1 key(s)"),
                "{err}"
            );
            assert!(!err.contains(&old) && !err.contains(K1), "{err}");
            let err = v(Some(&old), true)
                .value(&FernetKeys::none(), ctx)
                .unwrap_err()
                .to_string();
            assert!(err.contains("fernet_key is empty"), "{err}");
        });
    }

    #[test]
    fn connections_follow_the_orm() {
        let keys = FernetKeys::parse(K1).unwrap();
        with_ctx(|ctx| {
            let row = ConnectionRow {
                conn_id: "pg".into(),
                conn_type: Some("postgres".into()),
                host: Some("db".into()),
                password: Some(encrypt(K1, "pw")),
                is_encrypted: true,
                extra: Some(r#"{"sslmode": "require"}"#.into()),
                port: Some(5432),
                ..Default::default()
            };
            let c = row.connection(ConnectionFlavor::Orm, &keys, ctx).unwrap();
            assert_eq!(c.password.as_ref().unwrap().expose(), "pw");
            assert_eq!(c.get_uri(), "postgres://:pw@db:5432/?sslmode=require");
            let row = ConnectionRow {
                password: Some(String::new()),
                is_encrypted: true,
                ..Default::default()
            };
            let c = row
                .connection(ConnectionFlavor::TaskSdk, &FernetKeys::none(), ctx)
                .unwrap();
            assert_eq!(
                c.password.unwrap().expose(),
                "",
                "an empty password is not decrypted"
            );
            let row = ConnectionRow {
                port: Some(70000),
                ..Default::default()
            };
            assert!(
                row.connection(ConnectionFlavor::TaskSdk, &keys, ctx)
                    .is_err()
            );
            let row = ConnectionRow {
                extra: Some("garbage".into()),
                is_extra_encrypted: true,
                ..Default::default()
            };
            let err = row
                .connection(ConnectionFlavor::TaskSdk, &keys, ctx)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("cannot decrypt `extra`") && !err.contains("garbage"),
                "{err}"
            );
        });
    }
}
