//! Reading `airflow.cfg` the way Python's `configparser` (with Airflow's settings) does.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use airflow_secrets_core::Error;

use super::expand::MAX_EXPANDED_LEN;

/// A parsed `airflow.cfg`.
///
/// `Debug` shows the path and the section names with their number of keys, never a value (the file may
/// hold `fernet_key`, `sql_alchemy_conn` or `backend_kwargs`).
#[derive(Clone)]
pub struct CfgFile {
    path: PathBuf,
    sections: HashMap<String, HashMap<String, Option<String>>>,
}

impl fmt::Debug for CfgFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sections: Vec<(&str, usize)> = self
            .sections
            .iter()
            .map(|(name, keys)| (name.as_str(), keys.len()))
            .collect();
        sections.sort_unstable();
        let sections: Vec<String> = sections
            .into_iter()
            .map(|(name, keys)| format!("[{name}] ({keys} keys)"))
            .collect();
        f.debug_struct("CfgFile")
            .field("path", &self.path)
            .field("sections", &sections)
            .finish()
    }
}

/// The values already interpolated while reading one option: each `%(name)s` is worked out once, so
/// a key referring many times to another that does the same costs linear, not exponential, time.
type Interpolated = HashMap<String, String>;

impl CfgFile {
    /// Reads and parses a file. Section names and keys are case-sensitive, as Airflow 3.3.2 reads them
    /// (`[SECRETS]` and `BACKEND_KWARGS` are not read; Airflow asks for lowercase names), `[DEFAULT]`
    /// applies to the sections the file has, multi-line values
    /// (indented continuation lines) are joined with `\n`, and there are no inline comments, so JSON in
    /// `backend_kwargs` may contain `#` and `;`. Line ends are Python's universal newlines (`\r\n`, `\r`).
    pub fn read(path: &Path) -> Result<CfgFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidSetting {
            option: "airflow.cfg".into(),
            source_name: path.display().to_string(),
            problem: format!("cannot read the file: {e}"),
        })?;
        Self::parse(path, &text.replace("\r\n", "\n").replace('\r', "\n"))
    }

    /// Parses `text` as the content of `path`, line by line as Python 3.11's `configparser` reads a file
    /// with Airflow's parser settings: `#`/`;` comment lines (no inline comments), `=` or `:` after the
    /// key, indented continuation lines (blank lines inside a value kept, trailing ones dropped),
    /// `strict` (a section or a key given twice is an error, as Airflow fails to start on it), and
    /// case-sensitive names.
    pub fn parse(path: &Path, text: &str) -> Result<CfgFile, Error> {
        let fail = |line: usize, problem: String| Error::InvalidSetting {
            option: "airflow.cfg".into(),
            source_name: path.display().to_string(),
            problem: format!("line {line}: {problem}"),
        };
        // Values are kept as their lines until the end, then joined (configparser's multiline values).
        let mut sections: HashMap<String, HashMap<String, Vec<String>>> = HashMap::new();
        let mut seen_sections: HashSet<String> = HashSet::new();
        let mut seen_options: HashSet<(String, String)> = HashSet::new();
        let mut current: Option<String> = None;
        let mut option: Option<String> = None;
        let mut indent_level = 0usize;
        let mut bad_lines = Vec::new();
        for (index, line) in text.split('\n').enumerate() {
            let lineno = index + 1;
            let stripped = py_strip(line);
            if stripped.starts_with('#') || stripped.starts_with(';') {
                // A comment line: ends nothing, adds nothing.
                continue;
            }
            if stripped.is_empty() {
                if let (Some(section), Some(key)) = (&current, &option)
                    && let Some(lines) = sections.get_mut(section).and_then(|s| s.get_mut(key))
                {
                    lines.push(String::new());
                }
                continue;
            }
            let indent = line.chars().take_while(|c| py_space(*c)).count();
            if let (Some(section), Some(key), true) = (&current, &option, indent > indent_level) {
                if let Some(lines) = sections.get_mut(section).and_then(|s| s.get_mut(key)) {
                    lines.push(stripped.to_owned());
                }
                continue;
            }
            indent_level = indent;
            if let Some(header) = section_header(stripped) {
                if header != "DEFAULT" && !seen_sections.insert(header.to_owned()) {
                    return Err(fail(
                        lineno,
                        format!(
                            "section [{header}] is given twice (Airflow refuses the file); merge them"
                        ),
                    ));
                }
                sections.entry(header.to_owned()).or_default();
                current = Some(header.to_owned());
                option = None;
                continue;
            }
            let Some(section) = &current else {
                return Err(fail(
                    lineno,
                    "an option before any [section] header (Airflow refuses the file); add the section header"
                        .into(),
                ));
            };
            let Some((key, value)) = option_line(stripped) else {
                bad_lines.push(lineno);
                continue;
            };
            if key.is_empty() {
                bad_lines.push(lineno);
            }
            if !seen_options.insert((section.clone(), key.to_owned())) {
                return Err(fail(
                    lineno,
                    format!(
                        "option `{key}` is given twice in [{section}] (Airflow refuses the file); keep one"
                    ),
                ));
            }
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.to_owned(), vec![value.to_owned()]);
            option = Some(key.to_owned());
        }
        if !bad_lines.is_empty() {
            let lines: Vec<String> = bad_lines.iter().map(ToString::to_string).collect();
            return Err(fail(
                bad_lines[0],
                format!(
                    "not a `key = value` line (lines {}; Airflow refuses the file); add the `=` or comment the line with #",
                    lines.join(", ")
                ),
            ));
        }
        Ok(CfgFile {
            path: path.to_owned(),
            sections: sections
                .into_iter()
                .map(|(section, options)| {
                    let options = options
                        .into_iter()
                        .map(|(key, lines)| (key, Some(py_rstrip(&lines.join("\n")).to_owned())))
                        .collect();
                    (section, options)
                })
                .collect(),
        })
    }

    /// Where the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw value of `[section] key`, with Airflow's `%`-interpolation applied (`%%` is a literal `%`,
    /// `%(other)s` the value of another key of the same section or `[DEFAULT]`, the name exact).
    /// `section` and `key` are exact names (Airflow asks for lowercase ones). A result longer than [`MAX_EXPANDED_LEN`] (1 MiB) is an error naming the option.
    pub fn get(&self, section: &str, key: &str) -> Result<Option<String>, Error> {
        let Some(raw) = self.raw(section, key) else {
            return Ok(None);
        };
        let mut done = Interpolated::new();
        self.interpolate(section, key, raw, 0, &mut done)
            .map_err(|problem| Error::InvalidSetting {
                option: format!("[{section}] {key}"),
                source_name: self.path.display().to_string(),
                problem,
            })
            .map(Some)
    }

    fn raw(&self, section: &str, key: &str) -> Option<&str> {
        // Names are exact (configparser's `optionxform` is the identity in Airflow); `[DEFAULT]` applies
        // to a section that exists.
        let in_section = |name: &str| self.sections.get(name)?.get(key)?.as_deref();
        self.sections.get(section)?;
        in_section(section).or_else(|| in_section("DEFAULT"))
    }

    /// `raw` with its `%` interpolation done; the error is the problem, for the option first asked for.
    fn interpolate(
        &self,
        section: &str,
        key: &str,
        raw: &str,
        depth: usize,
        done: &mut Interpolated,
    ) -> Result<String, String> {
        // configparser's MAX_INTERPOLATION_DEPTH (10 levels, counted from 1 there).
        if depth >= 10 {
            return Err("interpolation is nested too deeply (a `%(name)s` cycle?)".into());
        }
        let too_large = || {
            format!(
                "the value grows beyond {MAX_EXPANDED_LEN} bytes through `%(name)s` interpolation (`%({key})s` \
                 refers to options that refer to others many times?); simplify the interpolation"
            )
        };
        let mut out = String::with_capacity(raw.len().min(MAX_EXPANDED_LEN));
        let mut rest = raw;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(tail) = after.strip_prefix('%') {
                out.push('%');
                rest = tail;
            } else if let Some(tail) = after.strip_prefix('(') {
                // `%\(([^)]+)\)s`: a non-empty name up to the first `)`, then `s`.
                let Some(end) = tail
                    .find(')')
                    .filter(|&end| end > 0 && tail[end + 1..].starts_with('s'))
                else {
                    return Err(
                        "bad interpolation syntax: `%(` without `)s`; write a literal % as %%"
                            .into(),
                    );
                };
                let name = tail[..end].to_owned();
                let value = match done.get(&name) {
                    Some(value) => value.clone(),
                    None => {
                        let Some(raw) = self.raw(section, &name) else {
                            return Err(format!(
                                "`%({})s` refers to an option that is not set",
                                &tail[..end]
                            ));
                        };
                        // configparser only goes a level deeper for a value with a `%`.
                        let value = if raw.contains('%') {
                            self.interpolate(section, &name, raw, depth + 1, done)?
                        } else {
                            raw.to_owned()
                        };
                        done.insert(name, value.clone());
                        value
                    }
                };
                if out.len() + value.len() > MAX_EXPANDED_LEN {
                    return Err(too_large());
                }
                out.push_str(&value);
                rest = &tail[end + 2..];
            } else {
                return Err(
                    "a lone `%` in the value; write a literal % as %% (configparser interpolation)"
                        .into(),
                );
            }
        }
        if out.len() + rest.len() > MAX_EXPANDED_LEN {
            return Err(too_large());
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Python's `str.isspace` (what `str.strip` and `\\s` use): Unicode whitespace and the separators
/// U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(py_space)
}

/// configparser's `\[(?P<header>.+)\]` matched at the start: the text up to the last `]`.
fn section_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// configparser's option line: the key up to the first `=` or `:` (trailing spaces dropped), the value
/// after it (stripped).
fn option_line(line: &str) -> Option<(&str, &str)> {
    let at = line.find(['=', ':'])?;
    Some((py_rstrip(&line[..at]), py_strip(&line[at + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_configparser() {
        let cfg = CfgFile::parse(
            Path::new("airflow.cfg"),
            "[core]\ndags_folder = /x\n\n[secrets]\nbackend = airflow.secrets.local_filesystem.LocalFilesystemBackend\n\
             backend_kwargs = {\"variables_file_path\": \"/v#1;2.json\",\n    \"connections_file_path\": \"/c.json\"}\n\
             pct = 100%% sure %(backend)s\nbad = 5%\n",
        )
        .unwrap();
        assert_eq!(
            cfg.get("secrets", "backend").unwrap().as_deref(),
            Some("airflow.secrets.local_filesystem.LocalFilesystemBackend")
        );
        assert_eq!(
            cfg.get("secrets", "backend_kwargs").unwrap().as_deref(),
            Some(
                "{\"variables_file_path\": \"/v#1;2.json\",\n\"connections_file_path\": \"/c.json\"}"
            )
        );
        assert_eq!(
            cfg.get("secrets", "pct").unwrap().as_deref(),
            Some("100% sure airflow.secrets.local_filesystem.LocalFilesystemBackend")
        );
        assert!(
            cfg.get("secrets", "bad")
                .unwrap_err()
                .to_string()
                .contains("write a literal % as %%")
        );
        assert_eq!(cfg.get("secrets", "missing").unwrap(), None);
        assert_eq!(cfg.get("nosection", "x").unwrap(), None);
    }

    #[test]
    fn files_airflow_refuses_are_refused() {
        // Python's configparser (strict, no value-less keys), checked against Airflow 3.3.2.
        for (text, problem) in [
            (
                "[secrets]\nbackend = a\nbackend = b\n",
                "option `backend` is given twice in [secrets]",
            ),
            (
                "[secrets]\n[core]\n[secrets]\n",
                "section [secrets] is given twice",
            ),
            (
                "[secrets]\njust a line\n",
                "line 2: not a `key = value` line",
            ),
            (
                "backend = a\n",
                "line 1: an option before any [section] header",
            ),
        ] {
            let err = CfgFile::parse(Path::new("/etc/airflow.cfg"), text)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(problem) && err.contains("/etc/airflow.cfg"),
                "{text:?}: {err}"
            );
        }
        // [DEFAULT] may be opened twice; `:` delimits like `=`; blank lines inside a value are kept,
        // trailing ones dropped; an indented comment line is skipped.
        let cfg = CfgFile::parse(
            Path::new("airflow.cfg"),
            "[DEFAULT]\na = 1\n[DEFAULT]\nb: 2\n[secrets]\nv = x\n\n  y\n  # c\n\n",
        )
        .unwrap();
        assert_eq!(cfg.get("secrets", "b").unwrap().as_deref(), Some("2"));
        assert_eq!(cfg.get("secrets", "v").unwrap().as_deref(), Some("x\n\ny"));
    }

    #[test]
    fn interpolation_names_are_exact_and_nest_ten_deep() {
        let cfg = CfgFile::parse(
            Path::new("airflow.cfg"),
            "[secrets]\nx = 1\nv = %(X)s\nw = %(x)s\n",
        )
        .unwrap();
        assert!(cfg.get("secrets", "v").is_err());
        assert_eq!(cfg.get("secrets", "w").unwrap().as_deref(), Some("1"));
        let chain = |n: usize| {
            let mut text = "[s]\nk0 = end\n".to_owned();
            for i in 1..=n {
                text.push_str(&format!("k{i} = %(k{})s%%\n", i - 1));
            }
            CfgFile::parse(Path::new("airflow.cfg"), &text)
                .unwrap()
                .get("s", &format!("k{n}"))
        };
        // configparser: 10 levels of values with a `%` (the last reference has none).
        assert!(chain(10).is_ok());
        assert!(chain(11).is_err());
    }

    #[test]
    fn names_are_case_sensitive_as_airflow_reads_them() {
        // Airflow 3.3.2's `conf`, checked on these files: `[SECRETS]` is another section (use_cache
        // stays False), `[DEFAULT]` does not create `[secrets]` (cache_ttl_seconds stays 900).
        let cfg = CfgFile::parse(
            Path::new("airflow.cfg"),
            "[SECRETS]\nuse_cache = True\n[DEFAULT]\ncache_ttl_seconds = 60\n[workers]\nSECRETS_BACKEND_KWARGS = {}\n",
        )
        .unwrap();
        assert_eq!(cfg.get("secrets", "use_cache").unwrap(), None);
        assert_eq!(cfg.get("secrets", "cache_ttl_seconds").unwrap(), None);
        // An upper-case key is not read either.
        assert_eq!(cfg.get("workers", "secrets_backend_kwargs").unwrap(), None);
        // With `[secrets]` present, `[DEFAULT]` applies to it (cache_ttl_seconds = 60 in Airflow).
        let cfg = CfgFile::parse(
            Path::new("airflow.cfg"),
            "[secrets]\nuse_cache = True\nBACKEND_KWARGS = {}\n[DEFAULT]\ncache_ttl_seconds = 60\n",
        )
        .unwrap();
        assert_eq!(
            cfg.get("secrets", "use_cache").unwrap().as_deref(),
            Some("True")
        );
        assert_eq!(
            cfg.get("secrets", "cache_ttl_seconds").unwrap().as_deref(),
            Some("60")
        );
        assert_eq!(cfg.get("secrets", "backend_kwargs").unwrap(), None);
    }
}
