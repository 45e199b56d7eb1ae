//! Key → store location: where a key lives, spec §1.4 (`build_path`, `mount_point=None`, KV v1/v2 URLs).

use crate::config::KvVersion;

/// One KV read: the mount and the secret path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretLocation {
    pub mount: String,
    pub path: String,
}

/// Where `key` lives under the base path `base` (the kind's base path: its prefix), or `None` when `mount_point` is unset and the key
/// has no `/` (Airflow then skips the lookup without a request).
///
/// hvac builds the URL from `mount` and `path`, strips the slashes around each part and collapses
/// `//`; the same normalisation is applied here so that the read URL (src/read.rs) is hvac's.
pub(crate) fn location(base: &str, key: &str, mount_point: Option<&str>) -> Option<SecretLocation> {
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

impl SecretLocation {
    /// Whether the mount or the path has a `.` or `..` segment, plain or percent-encoded (`%2e%2E`,
    /// `.%2e`), also between backslashes (`a\..\b`). URL parsers, proxies and servers remove such
    /// segments, so the read would leave the mount and base path the key was meant to stay under
    /// (`team_a_/../../othermount/data/admin` → `GET /v1/othermount/data/admin`).
    pub fn has_dot_segment(&self) -> bool {
        self.mount
            .split('/')
            .chain(self.path.split('/'))
            .flat_map(|s| s.split('\\'))
            .any(|segment| {
                let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
                decoded == "." || decoded == ".."
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
            let got = location(base, key, mount_point);
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
        let loc = location("connections", "my_pg", Some("secret")).unwrap();
        assert_eq!(loc.api_path(KvVersion::V2), "secret/data/connections/my_pg");
        assert_eq!(loc.api_path(KvVersion::V1), "secret/connections/my_pg");
        let loc = location("a//b", "/c/", Some("/kv/")).unwrap();
        assert_eq!(loc.api_path(KvVersion::V2), "kv/data/a/b/c");
        // The key is used verbatim: no case change, no `_` replacement.
        let loc = location("variables", "My_Var", Some("secret")).unwrap();
        assert_eq!(loc.path, "variables/My_Var");
    }

    #[test]
    fn dot_segments_are_spotted_in_every_spelling() {
        let escaping = [
            "team_a_/../../x",
            "a/./b",
            "..",
            "a/%2e%2e/b",
            "a/%2E./b",
            "a/.%2E",
            "a/%2e",
            "a\\..\\b",
        ];
        for key in escaping {
            let loc = location("variables", key, Some("secret")).unwrap();
            assert!(loc.has_dot_segment(), "{key}");
        }
        let loc = location("variables", "../secret/x", None).unwrap();
        assert!(loc.has_dot_segment(), "a `..` mount");
        for key in [
            "a.b",
            "...",
            "a..",
            "..a",
            ".hidden",
            "%2e%2e%2e",
            "a/b.c/d",
        ] {
            let loc = location("variables", key, Some("secret")).unwrap();
            assert!(!loc.has_dot_segment(), "{key}");
        }
    }
}
