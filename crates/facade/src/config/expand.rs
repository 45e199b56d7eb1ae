//! Airflow's `expand_env_var`: `os.path.expandvars` and `os.path.expanduser`, repeated until the value
//! stops changing.

use std::collections::HashMap;
use std::fmt;

/// The longest value (in bytes) that `$VAR` expansion and `airflow.cfg` `%(name)s` interpolation may
/// produce: 1 MiB. `A='$A$A'` doubles on each of Airflow's rounds (gigabytes, then an abort in Python);
/// no real option comes near this.
pub const MAX_EXPANDED_LEN: usize = 1 << 20;

/// A value whose expansion would exceed [`MAX_EXPANDED_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpansionTooLarge;

impl fmt::Display for ExpansionTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the value grows beyond {MAX_EXPANDED_LEN} bytes when its $VAR / ${{VAR}} references are \
             expanded (a variable that refers to itself, such as A='$A$A'?); fix the variables it refers to"
        )
    }
}

impl std::error::Error for ExpansionTooLarge {}

/// Expands `$NAME` and `${NAME}` (unset names are left as written) and a leading `~` / `~/...`, again and
/// again until nothing changes, exactly as Airflow does for every environment and `airflow.cfg` value.
/// A result longer than [`MAX_EXPANDED_LEN`] is refused (checked while expanding, so it is never built).
pub fn expand_env_var(
    value: &str,
    env: &HashMap<String, String>,
) -> Result<String, ExpansionTooLarge> {
    let mut current = value.to_owned();
    // A self-referencing variable (`A=$A`) reaches a fixed point at once; a cycle (`A=$B`, `B=$A`) would
    // loop forever in Python too. Stop after a generous number of rounds instead.
    for _ in 0..32 {
        let next = expand_user(&expand_vars(&current, env)?, env);
        if next.len() > MAX_EXPANDED_LEN {
            return Err(ExpansionTooLarge);
        }
        if next == current {
            break;
        }
        current = next;
    }
    Ok(current)
}

/// `posixpath.expandvars`: `$name` where name is `\w+` (ASCII), or `${anything but }}`.
fn expand_vars(value: &str, env: &HashMap<String, String>) -> Result<String, ExpansionTooLarge> {
    if !value.contains('$') {
        return Ok(value.to_owned());
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            (&after[..len], len)
        };
        match (consumed, env.get(name)) {
            (0, _) | (_, None) => {
                // Not a reference, or an unset variable: keep the text and move past the `$`.
                out.push('$');
                rest = after;
            }
            (_, Some(v)) => {
                if out.len() + v.len() > MAX_EXPANDED_LEN {
                    return Err(ExpansionTooLarge);
                }
                out.push_str(v);
                rest = &after[consumed..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// `posixpath.expanduser` for the current user: `~` or `~/...` at the very start, using `$HOME`.
/// `~otheruser` is left alone (resolving other users' homes needs the password database).
fn expand_user(value: &str, env: &HashMap<String, String>) -> String {
    let Some(rest) = value.strip_prefix('~') else {
        return value.to_owned();
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return value.to_owned();
    }
    match env.get("HOME") {
        Some(home) => {
            let home = if home.len() > 1 {
                home.trim_end_matches('/')
            } else {
                home
            };
            format!("{home}{rest}")
        }
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_python() {
        let env: HashMap<String, String> = [
            ("HOME", "/home/ada"),
            ("ROLE", "my-role"),
            ("NESTED", "$ROLE"),
            ("EMPTY", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let cases = [
            (r#"{"role_id": "$ROLE"}"#, r#"{"role_id": "my-role"}"#),
            (r#"{"role_id": "${ROLE}x"}"#, r#"{"role_id": "my-rolex"}"#),
            ("$UNSET and ${UNSET}", "$UNSET and ${UNSET}"),
            ("$NESTED", "my-role"),
            ("a$EMPTY-b", "a-b"),
            ("cost: 5$", "cost: 5$"),
            ("${unterminated", "${unterminated"),
            ("~/airflow", "/home/ada/airflow"),
            ("~", "/home/ada"),
            ("~bob/x", "~bob/x"),
            (r#"{"path": "~/x"}"#, r#"{"path": "~/x"}"#),
            ("$ROLE$ROLE", "my-rolemy-role"),
        ];
        for (input, want) in cases {
            assert_eq!(expand_env_var(input, &env).unwrap(), want, "{input}");
        }
    }
}
