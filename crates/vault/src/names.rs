//! Key → store location: where a key lives, spec §1.4 (`build_path`, `mount_point=None`, KV v1/v2 URLs).

use crate::config::KvVersion;

/// One KV read: the mount and the secret path inside it, as hvac is given them (not yet normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretLocation {
    pub mount: String,
    pub path: String,
}

/// Where `key` lives under the base path `base` (one of the kind's base paths), or `None` when there
/// is nothing to read (Airflow then skips that base path without a request).
///
/// With a `mount_point` (not `None`, not `""`) the mount is that and the path `{base}/{key}` (`key`
/// alone for an empty base). Without one, Airflow splits twice: `VaultBackend._parse_path` takes the
/// key's first segment as the mount (no `/` in the key: nothing to read) and asks the client for
/// `{mount}/{base}/{rest}` (`{base}/{rest}` when that segment is empty, as for `/x`); the client's
/// `_parse_secret_path` splits that string again at its first `/` (no `/` left: nothing to read).
pub(crate) fn location(base: &str, key: &str, mount_point: Option<&str>) -> Option<SecretLocation> {
    let mount_point = mount_point.filter(|m| !m.is_empty());
    let (key_mount, key_part) = match mount_point {
        Some(_) => ("", key),
        None => key.split_once('/')?,
    };
    let secret_path = if base.is_empty() {
        key_part.to_owned()
    } else {
        format!("{base}/{key_part}")
    };
    let client_path = if key_mount.is_empty() {
        secret_path
    } else {
        format!("{key_mount}/{secret_path}")
    };
    let (mount, path) = match mount_point {
        Some(mount) => (mount, client_path.as_str()),
        None => client_path.split_once('/')?,
    };
    Some(SecretLocation {
        mount: mount.to_owned(),
        path: path.to_owned(),
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

    /// The API path after `/v1/`: `{mount}/{path}` (KV v1) or `{mount}/data/{path}` (KV v2), with
    /// runs of `/` collapsed and the ends stripped as hvac does to the whole path (`"" + "/data/x"`
    /// is `data/x`).
    pub fn api_path(&self, version: KvVersion) -> String {
        normalise(&match version {
            KvVersion::V1 => format!("{}/{}", self.mount, self.path),
            KvVersion::V2 => format!("{}/data/{}", self.mount, self.path),
        })
    }
}

/// Strips leading/trailing `/` and collapses runs of `/`, as hvac's `Adapter.request` (`//` → `/`
/// until none is left) and `urljoin` (each part `strip("/")`ed) do.
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

    /// Airflow splits a key without mount point twice (backend, then client): the edges of that.
    #[test]
    fn mount_split_edges() {
        let api = |base: &str, key: &str, mount: Option<&str>| {
            location(base, key, mount).map(|l| l.api_path(KvVersion::V2))
        };
        // An empty first segment: the base path's first segment becomes the mount.
        assert_eq!(
            api("variables", "/x", None).as_deref(),
            Some("variables/data/x")
        );
        assert_eq!(
            api("", "/x", None),
            None,
            "`x` alone has no `/` to split at"
        );
        assert_eq!(api("", "/x/y", None).as_deref(), Some("x/data/y"));
        // `""` is no mount point, as `None` is.
        assert_eq!(
            api("variables", "a/b", Some("")),
            api("variables", "a/b", None)
        );
        // hvac collapses `//` and strips the ends of the whole path.
        assert_eq!(
            api("variables", "a/", None).as_deref(),
            Some("a/data/variables")
        );
        assert_eq!(api("/v/", "a//b", None).as_deref(), Some("a/data/v/b"));
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
