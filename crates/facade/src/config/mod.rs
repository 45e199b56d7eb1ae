//! Airflow's configuration, read exactly as Airflow's `conf.get` reads it.
//!
//! For any option the order is Airflow's:
//!
//! 1. environment variable `AIRFLOW__{SECTION}__{KEY}`
//! 2. `AIRFLOW__{SECTION}__{KEY}_CMD` (sensitive options only): a command whose stdout is the value
//! 3. `AIRFLOW__{SECTION}__{KEY}_SECRET` (sensitive options only): a key to read with the custom
//!    backend's `get_config`
//! 4. `airflow.cfg` (`$AIRFLOW_CONFIG`, else `$AIRFLOW_HOME/airflow.cfg`, else `~/airflow/airflow.cfg`)
//! 5. `{key}_cmd` in `airflow.cfg` (sensitive only)
//! 6. `{key}_secret` in `airflow.cfg` (sensitive only)
//! 7. the built-in default
//!
//! Environment and file values go through [`expand_env_var`] (`$VAR`, `${VAR}`, a leading `~`).

mod cfg_file;
mod command;
mod expand;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use airflow_secrets_core::Error;

pub use cfg_file::CfgFile;
pub use command::{
    CommandLimits, DEFAULT_COMMAND_TIMEOUT, MAX_COMMAND_OUTPUT, run_command, run_command_with,
};
pub use expand::{ExpansionTooLarge, MAX_EXPANDED_LEN, expand_env_var};

/// Options Airflow marks sensitive (of those airflow-secrets reads): only these honour `_CMD` and `_SECRET`.
pub const SENSITIVE_OPTIONS: &[(&str, &str)] = &[
    ("secrets", "backend_kwargs"),
    ("workers", "secrets_backend_kwargs"),
    ("database", "sql_alchemy_conn"),
    ("core", "sql_alchemy_conn"),
    ("core", "fernet_key"),
];

/// A snapshot of the environment plus the parsed `airflow.cfg`, from which options are read.
///
/// Build it once with [`AirflowConfig::from_env`] (the process environment) or
/// [`AirflowConfig::from_vars`] (an explicit map, for tests and embedding).
///
/// `Debug` shows how many variables the snapshot holds and the `airflow.cfg` path and sections, never
/// a value: the environment holds `AIRFLOW__CORE__FERNET_KEY`, `AIRFLOW_CONN_*`, `VAULT_TOKEN`...
#[derive(Clone)]
pub struct AirflowConfig {
    env: HashMap<String, String>,
    file: Option<CfgFile>,
    command_limits: CommandLimits,
}

impl fmt::Debug for AirflowConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AirflowConfig")
            .field("env", &format_args!("<{} variables>", self.env.len()))
            .field("file", &self.file)
            .field("command_limits", &self.command_limits)
            .finish()
    }
}

/// Where an option's value came from, and the value or the secret key to resolve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOption {
    /// What to show users, e.g. `environment variable AIRFLOW__SECRETS__BACKEND` or
    /// `/opt/airflow/airflow.cfg [secrets] backend_kwargs_cmd`.
    pub source_name: String,
    /// The value, or the key for the custom backend's `get_config`.
    pub value: RawValue,
}

/// The two shapes an option takes before the secrets backend is available.
///
/// `Debug` shows the length of a value, not the value (a `_CMD`'s output is the secret itself); a
/// `_SECRET` key name is shown.
#[derive(Clone, PartialEq, Eq)]
pub enum RawValue {
    /// A value (already expanded, or a command's output).
    Value(String),
    /// A `_SECRET` option: the key to read with the custom backend's `get_config`.
    SecretKey(String),
}

impl fmt::Debug for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Value(v) => write!(f, "Value(<{} bytes>)", v.len()),
            RawValue::SecretKey(k) => f.debug_tuple("SecretKey").field(k).finish(),
        }
    }
}

impl AirflowConfig {
    /// Snapshots the process environment and reads `airflow.cfg` if it exists. Non-UTF-8 variables are
    /// skipped.
    pub fn from_env() -> Result<AirflowConfig, Error> {
        Self::from_vars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// Uses `vars` as the environment (and reads the `airflow.cfg` they point at, if it exists).
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<AirflowConfig, Error> {
        let env: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let path = Self::cfg_path_for(&env)?;
        let file = match path {
            Some(p) if p.is_file() => Some(CfgFile::read(&p)?),
            _ => None,
        };
        Ok(AirflowConfig {
            env,
            file,
            command_limits: CommandLimits::default(),
        })
    }

    /// Replaces the `airflow.cfg` (mainly for tests).
    pub fn with_cfg_file(mut self, file: Option<CfgFile>) -> AirflowConfig {
        self.file = file;
        self
    }

    /// Bounds `_CMD` commands by `limits` instead of [`CommandLimits::default`] (60 s, 1 MiB of stdout).
    pub fn with_command_limits(mut self, limits: CommandLimits) -> AirflowConfig {
        self.command_limits = limits;
        self
    }

    /// Where Airflow would look for `airflow.cfg`: `$AIRFLOW_CONFIG`, else `$AIRFLOW_HOME/airflow.cfg`,
    /// else `~/airflow/airflow.cfg` (all expanded).
    fn cfg_path_for(env: &HashMap<String, String>) -> Result<Option<PathBuf>, Error> {
        let expand = |name: &str, value: &str| {
            expand_env_var(value, env).map_err(|e| Error::InvalidSetting {
                option: name.to_owned(),
                source_name: format!("environment variable {name}"),
                problem: e.to_string(),
            })
        };
        if let Some(p) = env.get("AIRFLOW_CONFIG").filter(|p| !p.is_empty()) {
            return Ok(Some(PathBuf::from(expand("AIRFLOW_CONFIG", p)?)));
        }
        let home = match env.get("AIRFLOW_HOME").filter(|p| !p.is_empty()) {
            Some(p) => expand("AIRFLOW_HOME", p)?,
            None => match env.get("HOME") {
                Some(h) => format!("{h}/airflow"),
                None => return Ok(None),
            },
        };
        Ok(Some(PathBuf::from(home).join("airflow.cfg")))
    }

    /// The `airflow.cfg` in use, if one was found.
    pub fn cfg_file(&self) -> Option<&CfgFile> {
        self.file.as_ref()
    }

    /// One environment variable of the snapshot.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }

    /// All environment variables of the snapshot (unordered).
    pub fn env_vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `AIRFLOW__{SECTION}__{KEY}`.
    pub fn env_var_name(section: &str, key: &str) -> String {
        format!(
            "AIRFLOW__{}__{}",
            section.to_uppercase(),
            key.to_uppercase()
        )
    }

    fn is_sensitive(section: &str, key: &str) -> bool {
        SENSITIVE_OPTIONS.contains(&(section, key))
    }

    /// Expands `$VAR`/`${VAR}`/`~` against this snapshot; a result over [`MAX_EXPANDED_LEN`] is refused.
    pub fn expand(&self, value: &str) -> Result<String, ExpansionTooLarge> {
        expand_env_var(value, &self.env)
    }

    /// [`expand`](Self::expand), an oversized result reported against `option` and its source.
    fn expand_option(&self, value: &str, option: &str, source_name: &str) -> Result<String, Error> {
        self.expand(value).map_err(|e| Error::InvalidSetting {
            option: option.to_owned(),
            source_name: source_name.to_owned(),
            problem: e.to_string(),
        })
    }

    /// Reads `[section] key` through steps 1–6 of Airflow's order. `_CMD` commands are run here;
    /// `_SECRET` options come back as [`RawValue::SecretKey`] for the caller to resolve with its backend.
    /// `Ok(None)` means "use the default".
    pub async fn option(&self, section: &str, key: &str) -> Result<Option<RawOption>, Error> {
        let sensitive = Self::is_sensitive(section, key);
        let option = format!("[{section}] {key}");
        let var = Self::env_var_name(section, key);
        if let Some(v) = self.env.get(&var) {
            let source_name = format!("environment variable {var}");
            let value = self.expand_option(v, &option, &source_name)?;
            return Ok(Some(RawOption {
                source_name,
                value: RawValue::Value(value),
            }));
        }
        if sensitive {
            let cmd_var = format!("{var}_CMD");
            if let Some(cmd) = self.env.get(&cmd_var) {
                let source_name = format!("environment variable {cmd_var}");
                let out = run_command_with(&option, &source_name, cmd, self.command_limits).await?;
                return Ok(Some(RawOption {
                    source_name,
                    value: RawValue::Value(out),
                }));
            }
            let secret_var = format!("{var}_SECRET");
            if let Some(secret_key) = self.env.get(&secret_var) {
                return Ok(Some(RawOption {
                    source_name: format!("environment variable {secret_var}"),
                    value: RawValue::SecretKey(secret_key.clone()),
                }));
            }
        }
        let Some(file) = &self.file else {
            return Ok(None);
        };
        let in_file = |k: &str| format!("{} [{section}] {k}", file.path().display());
        if let Some(v) = file.get(section, key)? {
            let source_name = in_file(key);
            let value = self.expand_option(&v, &option, &source_name)?;
            return Ok(Some(RawOption {
                source_name,
                value: RawValue::Value(value),
            }));
        }
        if sensitive {
            let cmd_key = format!("{key}_cmd");
            if let Some(cmd) = file.get(section, &cmd_key)? {
                let source_name = in_file(&cmd_key);
                let out =
                    run_command_with(&option, &source_name, &cmd, self.command_limits).await?;
                return Ok(Some(RawOption {
                    source_name,
                    value: RawValue::Value(out),
                }));
            }
            let secret_key = format!("{key}_secret");
            if let Some(k) = file.get(section, &secret_key)? {
                return Ok(Some(RawOption {
                    source_name: in_file(&secret_key),
                    value: RawValue::SecretKey(k),
                }));
            }
        }
        Ok(None)
    }

    /// A string option and where it came from (its source name), or `None`. Meant for options that are
    /// not sensitive: for a sensitive one, a `_SECRET` key would come back as the value (use
    /// [`option`](Self::option) for those).
    pub async fn get_str(
        &self,
        section: &str,
        key: &str,
    ) -> Result<Option<(String, String)>, Error> {
        Ok(self.option(section, key).await?.map(|o| match o.value {
            RawValue::Value(v) | RawValue::SecretKey(v) => (v, o.source_name),
        }))
    }

    /// A boolean option with Airflow's `getboolean` rules: `t`/`true`/`1` and `f`/`false`/`0`,
    /// case-insensitive, a `#` comment stripped; anything else is an error.
    pub async fn get_bool(&self, section: &str, key: &str, default: bool) -> Result<bool, Error> {
        let Some((value, source_name)) = self.get_str(section, key).await? else {
            return Ok(default);
        };
        let v = value.to_lowercase();
        let v = v.split('#').next().unwrap_or("").trim();
        match v {
            "t" | "true" | "1" => Ok(true),
            "f" | "false" | "0" => Ok(false),
            _ => Err(Error::InvalidSetting {
                option: format!("[{section}] {key}"),
                source_name,
                problem: "expected a boolean: true/false, t/f or 1/0".into(),
            }),
        }
    }

    /// An integer option, read as Airflow's `getint` reads it (Python's `int()`, else a `float()` with no
    /// fraction: ` 60 `, `+5`, `1_000`, `1e2` and `60.0` are all integers there); a negative one is
    /// refused here.
    pub async fn get_u64(&self, section: &str, key: &str, default: u64) -> Result<u64, Error> {
        let Some((value, source_name)) = self.get_str(section, key).await? else {
            return Ok(default);
        };
        python_int(&value)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| Error::InvalidSetting {
                option: format!("[{section}] {key}"),
                source_name,
                problem: "expected a non-negative integer".into(),
            })
    }
}

/// Airflow's `getint`: `int(value)`, else `float(value)` when it has no fraction (`None` otherwise).
fn python_int(value: &str) -> Option<i128> {
    let s = value.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
    // Python accepts single underscores between digits, in `int()` and `float()` alike.
    let valid_underscores = !s.contains("__")
        && s.char_indices().all(|(i, c)| {
            c != '_'
                || (s[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|p| p.is_ascii_digit())
                    && s[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_ascii_digit()))
        });
    if !valid_underscores {
        return None;
    }
    let s = s.replace('_', "");
    let digits = s.strip_prefix(['+', '-']).unwrap_or(&s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let float: f64 = s.parse().ok()?;
    (float.is_finite() && float.fract() == 0.0 && float.abs() < 1e30).then_some(float as i128)
}

#[cfg(test)]
mod trust_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    pub(super) fn config(vars: &[(&str, &str)], cfg: Option<&str>) -> AirflowConfig {
        let c =
            AirflowConfig::from_vars(vars.iter().copied().chain([("HOME", "/nonexistent-home")]))
                .unwrap();
        c.with_cfg_file(cfg.map(|t| CfgFile::parse(Path::new("/etc/airflow.cfg"), t).unwrap()))
    }

    fn value(o: Option<RawOption>) -> Option<(String, RawValue)> {
        o.map(|o| (o.source_name, o.value))
    }

    #[tokio::test]
    async fn resolution_order_follows_airflow() {
        let cfg = "[secrets]\nbackend_kwargs = {\"from\": \"file\"}\nbackend_kwargs_cmd = echo file-cmd\n\
                   backend_kwargs_secret = file-secret\nbackend = x.Y\nbackend_cmd = echo no\n";
        // 1. env wins over everything.
        let c = config(
            &[
                ("AIRFLOW__SECRETS__BACKEND_KWARGS", "{\"from\": \"env\"}"),
                ("AIRFLOW__SECRETS__BACKEND_KWARGS_CMD", "echo env-cmd"),
            ],
            Some(cfg),
        );
        assert_eq!(
            value(c.option("secrets", "backend_kwargs").await.unwrap()),
            Some((
                "environment variable AIRFLOW__SECRETS__BACKEND_KWARGS".into(),
                RawValue::Value("{\"from\": \"env\"}".into())
            ))
        );
        // 2. env _CMD, output unstripped.
        let c = config(
            &[("AIRFLOW__SECRETS__BACKEND_KWARGS_CMD", "echo env-cmd")],
            Some(cfg),
        );
        assert_eq!(
            value(c.option("secrets", "backend_kwargs").await.unwrap())
                .unwrap()
                .1,
            RawValue::Value("env-cmd\n".into())
        );
        // 3. env _SECRET.
        let c = config(
            &[("AIRFLOW__SECRETS__BACKEND_KWARGS_SECRET", "kw")],
            Some(cfg),
        );
        assert_eq!(
            value(c.option("secrets", "backend_kwargs").await.unwrap())
                .unwrap()
                .1,
            RawValue::SecretKey("kw".into())
        );
        // 4. the file.
        let c = config(&[], Some(cfg));
        assert_eq!(
            value(c.option("secrets", "backend_kwargs").await.unwrap()),
            Some((
                "/etc/airflow.cfg [secrets] backend_kwargs".into(),
                RawValue::Value("{\"from\": \"file\"}".into())
            ))
        );
        // 5. file _cmd, 6. file _secret.
        let c = config(
            &[],
            Some("[secrets]\nbackend_kwargs_cmd = echo file-cmd\nbackend_kwargs_secret = s\n"),
        );
        assert_eq!(
            value(c.option("secrets", "backend_kwargs").await.unwrap())
                .unwrap()
                .1,
            RawValue::Value("file-cmd\n".into())
        );
        let c = config(&[], Some("[secrets]\nbackend_kwargs_secret = s\n"));
        assert_eq!(
            value(c.option("secrets", "backend_kwargs").await.unwrap())
                .unwrap()
                .1,
            RawValue::SecretKey("s".into())
        );
        // _CMD is ignored for options that are not sensitive.
        let c = config(&[("AIRFLOW__SECRETS__BACKEND_CMD", "echo x")], None);
        assert_eq!(c.option("secrets", "backend").await.unwrap(), None);
        // 7. nothing set.
        let c = config(&[], None);
        assert_eq!(c.option("secrets", "backend_kwargs").await.unwrap(), None);
    }

    #[tokio::test]
    async fn values_are_expanded_but_command_output_is_not() {
        let c = config(
            &[
                ("ROLE", "r1"),
                (
                    "AIRFLOW__SECRETS__BACKEND_KWARGS",
                    "{\"role_id\": \"$ROLE\"}",
                ),
                (
                    "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS_CMD",
                    "printf '$ROLE'",
                ),
            ],
            None,
        );
        let kw = c
            .option("secrets", "backend_kwargs")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kw.value, RawValue::Value("{\"role_id\": \"r1\"}".into()));
        let kw = c
            .option("workers", "secrets_backend_kwargs")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kw.value, RawValue::Value("$ROLE".into()));
    }

    #[tokio::test]
    async fn failing_command_is_a_clear_error_without_stdout() {
        let c = config(
            &[(
                "AIRFLOW__SECRETS__BACKEND_KWARGS_CMD",
                "sh -c 'echo s3cr3t; echo oops >&2; exit 3'",
            )],
            None,
        );
        let err = c
            .option("secrets", "backend_kwargs")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("environment variable AIRFLOW__SECRETS__BACKEND_KWARGS_CMD"),
            "{err}"
        );
        assert!(
            err.contains("exited with status 3 (stderr: 5 bytes, not shown)"),
            "{err}"
        );
        assert!(!err.contains("oops"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let c = config(
            &[("AIRFLOW__SECRETS__BACKEND_KWARGS_CMD", "/no/such/program")],
            None,
        );
        let err = c
            .option("secrets", "backend_kwargs")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot execute `/no/such/program`"), "{err}");
    }

    #[tokio::test]
    async fn booleans_and_integers_follow_airflow() {
        for (raw, want) in [
            ("True", true),
            ("t", true),
            ("1", true),
            ("FALSE", false),
            ("0 # off", false),
        ] {
            let c = config(&[("AIRFLOW__SECRETS__USE_CACHE", raw)], None);
            assert_eq!(
                c.get_bool("secrets", "use_cache", false).await.unwrap(),
                want,
                "{raw}"
            );
        }
        let c = config(&[("AIRFLOW__SECRETS__USE_CACHE", "yes")], None);
        let err = c
            .get_bool("secrets", "use_cache", false)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[secrets] use_cache") && err.contains("AIRFLOW__SECRETS__USE_CACHE"),
            "{err}"
        );
        let c = config(&[], Some("[secrets]\ncache_ttl_seconds = 60\n"));
        assert_eq!(
            c.get_u64("secrets", "cache_ttl_seconds", 900)
                .await
                .unwrap(),
            60
        );
        let c = config(&[], None);
        assert_eq!(
            c.get_u64("secrets", "cache_ttl_seconds", 900)
                .await
                .unwrap(),
            900
        );
    }

    #[test]
    fn integers_are_read_as_python_getint_reads_them() {
        for (raw, want) in [
            ("60", Some(60)),
            (" 60 ", Some(60)),
            ("+5", Some(5)),
            ("-1", Some(-1)),
            ("1_000", Some(1000)),
            ("1e2", Some(100)),
            ("60.0", Some(60)),
            ("1.5", None),
            ("1__0", None),
            ("_1", None),
            ("inf", None),
            ("nan", None),
            ("", None),
            ("x", None),
        ] {
            assert_eq!(python_int(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn cfg_path_follows_airflow_home() {
        let env = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            AirflowConfig::cfg_path_for(&env(&[
                ("AIRFLOW_CONFIG", "/a/b.cfg"),
                ("AIRFLOW_HOME", "/h")
            ]))
            .unwrap(),
            Some(PathBuf::from("/a/b.cfg"))
        );
        assert_eq!(
            AirflowConfig::cfg_path_for(&env(&[("AIRFLOW_HOME", "~/af"), ("HOME", "/home/u")]))
                .unwrap(),
            Some(PathBuf::from("/home/u/af/airflow.cfg"))
        );
        assert_eq!(
            AirflowConfig::cfg_path_for(&env(&[("HOME", "/home/u")])).unwrap(),
            Some(PathBuf::from("/home/u/airflow/airflow.cfg"))
        );
    }
}
