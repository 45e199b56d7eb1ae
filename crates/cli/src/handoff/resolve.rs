//! Resolving a selection through the chain: every lookup at once, then one verdict.

use std::collections::BTreeMap;
use std::fmt;

use airflow_secrets::{SecretKind, SecretValue, Secrets};
use futures_util::future::join_all;

use super::mapping::{airflow_name, connection_vars};
use super::spec::{ConnMapping, Selection};
use crate::exit::{Failure, Status};

/// One environment variable to hand over. `Debug` shows the name and where the value came from, never
/// the value.
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// Its value.
    pub value: SecretValue,
}

impl fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVar")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What a selection resolved to.
#[derive(Debug)]
pub struct Resolved {
    /// The variables, in the order of the selection.
    pub vars: Vec<EnvVar>,
    /// What no backend had (`connection `x``, `variable `y``).
    pub missing: Vec<String>,
}

/// The names a selection will set, each with the spec that sets it: two specs may not set one name.
fn planned_names(selection: &Selection) -> Result<(), Failure> {
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |name: String, owner: String| -> Result<(), Failure> {
        if name.contains(['=', '\0']) || name.is_empty() {
            return Err(Failure::new(
                Status::Usage,
                format!(
                    "{owner} would set the environment variable `{}`, which no environment can hold; \
                     name the variable yourself (--conn ID:url=NAME, --var KEY=NAME)",
                    name.escape_debug()
                ),
            ));
        }
        match owners.insert(name.clone(), owner.clone()) {
            Some(first) => Err(Failure::new(
                Status::Usage,
                format!("{first} and {owner} both set `{name}`; give one of them another name"),
            )),
            None => Ok(()),
        }
    };
    for c in &selection.conns {
        let owner = format!("connection `{}`", c.conn_id);
        let names: Vec<String> = match &c.mapping {
            ConnMapping::Airflow => vec![airflow_name(SecretKind::Connection, &c.conn_id)],
            ConnMapping::Url(n) | ConnMapping::Json(n) => vec![n.clone()],
            ConnMapping::Fields(p) => [
                "CONN_TYPE",
                "HOST",
                "PORT",
                "LOGIN",
                "PASSWORD",
                "SCHEMA",
                "EXTRA",
            ]
            .iter()
            .map(|f| format!("{p}_{f}"))
            .collect(),
            ConnMapping::Libpq => ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        for name in names {
            claim(name, owner.clone())?;
        }
    }
    for v in &selection.vars {
        let name = v
            .name
            .clone()
            .unwrap_or_else(|| airflow_name(SecretKind::Variable, &v.key));
        claim(name, format!("variable `{}`", v.key))?;
    }
    Ok(())
}

/// Looks every selected key up through `secrets`, concurrently, and turns the answers into variables.
///
/// * a backend failure (or an error in strict mode) → status 3, every failure listed;
/// * keys no backend has → status 1 naming them, unless `allow_missing` (then they are left out and
///   reported in [`Resolved::missing`]);
/// * a value with a NUL byte → status 3 naming the key (an environment cannot hold it).
pub async fn resolve(
    secrets: &Secrets,
    selection: &Selection,
    allow_missing: bool,
) -> Result<Resolved, Failure> {
    planned_names(selection)?;
    let conns = join_all(
        selection
            .conns
            .iter()
            .map(|c| secrets.connection_lookup(&c.conn_id)),
    );
    let vars = join_all(
        selection
            .vars
            .iter()
            .map(|v| secrets.variable_lookup(&v.key)),
    );
    let (conns, vars) = tokio::join!(conns, vars);

    let mut failures = Vec::new();
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for (spec, answer) in selection.conns.iter().zip(conns) {
        let what = format!("connection `{}`", spec.conn_id);
        match answer {
            Err(e) => failures.push(e.to_string()),
            Ok(l) => match l.value {
                Some(conn) => out.extend(
                    connection_vars(&conn, &spec.mapping)
                        .into_iter()
                        .map(|(name, value)| (what.clone(), name, value)),
                ),
                None if l.failures.is_empty() => missing.push(what),
                None => failures.extend(l.failures.iter().map(|(_, e)| e.to_string())),
            },
        }
    }
    for (spec, answer) in selection.vars.iter().zip(vars) {
        let what = format!("variable `{}`", spec.key);
        match answer {
            Err(e) => failures.push(e.to_string()),
            Ok(l) => match l.value {
                Some(value) => {
                    let name = spec
                        .name
                        .clone()
                        .unwrap_or_else(|| airflow_name(SecretKind::Variable, &spec.key));
                    out.push((what, name, value));
                }
                None if l.failures.is_empty() => missing.push(what),
                None => failures.extend(l.failures.iter().map(|(_, e)| e.to_string())),
            },
        }
    }

    if !failures.is_empty() {
        failures.push("a backend failed; nothing was handed over".into());
        return Err(Failure {
            status: Status::BackendFailure,
            messages: failures,
        });
    }
    if !missing.is_empty() && !allow_missing {
        return Err(Failure::new(
            Status::NotFound,
            format!(
                "not found in any backend: {}; nothing was handed over \
                 (--allow-missing hands over the rest)",
                missing.join(", ")
            ),
        ));
    }
    let mut vars = Vec::with_capacity(out.len());
    for (what, name, value) in out {
        if value.expose().contains('\0') {
            return Err(Failure::new(
                Status::BackendFailure,
                format!(
                    "{what}: the value for `{name}` contains a NUL byte, which an environment \
                     variable cannot hold"
                ),
            ));
        }
        vars.push(EnvVar { name, value });
    }
    Ok(Resolved { vars, missing })
}
