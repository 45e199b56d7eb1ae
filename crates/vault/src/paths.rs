//! Where a key lives: spec §1.4 (`build_path`, `mount_point=None`, KV v1/v2 URLs).

use crate::config::KvVersion;

/// One KV read: the mount and the secret path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretLocation {
    pub mount: String,
    pub path: String,
}

impl SecretLocation {
    /// Where `key` lives under the base path `base`, or `None` when `mount_point` is unset and the key
    /// has no `/` (Airflow then skips the lookup without a request).
    ///
    /// hvac builds the URL from `mount` and `path`, strips the slashes around each part and collapses
    /// `//`; the same normalisation is applied here so that the read URL (src/read.rs) is hvac's.
    pub fn new(mount_point: Option<&str>, base: &str, key: &str) -> Option<SecretLocation> {
        let (mount, key) = match mount_point {
            Some(mount) => (mount, key),
            None => key.split_once('/')?,
        };
        let path = if base.is_empty() {
            key.to_owned()
        } else {
            format!("{base}/{key}")
        };
        Some(SecretLocation {
            mount: normalise(mount),
            path: normalise(&path),
        })
    }

    /// The API path after `/v1/`: `{mount}/{path}` (KV v1) or `{mount}/data/{path}` (KV v2).
    pub fn api_path(&self, version: KvVersion) -> String {
        match version {
            KvVersion::V1 => format!("{}/{}", self.mount, self.path),
            KvVersion::V2 => format!("{}/data/{}", self.mount, self.path),
        }
    }
}

/// Strips leading/trailing `/` and collapses runs of `/`, as hvac's URL building does.
fn normalise(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The four examples of spec §1.4 (`test_get_variable_value_engine_version_1`).
    #[test]
    fn spec_path_table() {
        let table = [
            (
                Some("airflow"),
                "variables",
                "hello",
                Some(("airflow", "variables/hello")),
            ),
            (
                Some("airflow"),
                "",
                "path/to/variables/hello",
                Some(("airflow", "path/to/variables/hello")),
            ),
            (
                None,
                "variables",
                "airflow/hello",
                Some(("airflow", "variables/hello")),
            ),
            (
                None,
                "",
                "airflow/path/to/variables/hello",
                Some(("airflow", "path/to/variables/hello")),
            ),
            // mount_point null and no `/` in the key: no lookup at all.
            (None, "variables", "hello", None),
        ];
        for (mount_point, base, key, expected) in table {
            let got = SecretLocation::new(mount_point, base, key);
            let expected = expected.map(|(m, p)| SecretLocation {
                mount: m.into(),
                path: p.into(),
            });
            assert_eq!(
                got, expected,
                "mount_point={mount_point:?} base={base:?} key={key:?}"
            );
        }
    }

    #[test]
    fn kv_urls_and_normalisation() {
        let loc = SecretLocation::new(Some("secret"), "connections", "my_pg").unwrap();
        assert_eq!(loc.api_path(KvVersion::V2), "secret/data/connections/my_pg");
        assert_eq!(loc.api_path(KvVersion::V1), "secret/connections/my_pg");
        let loc = SecretLocation::new(Some("/kv/"), "a//b", "/c/").unwrap();
        assert_eq!(loc.api_path(KvVersion::V2), "kv/data/a/b/c");
        // The key is used verbatim: no case change, no `_` replacement.
        let loc = SecretLocation::new(Some("secret"), "variables", "My_Var").unwrap();
        assert_eq!(loc.path, "variables/My_Var");
    }
}
