//! Multi-team deployments (`[core] multi_team`, Airflow 3.2+): the separator and the guard the amazon
//! (9.39.0) and google (22.8.0) providers share. Azure normalises the key first and Vault uses paths, so
//! each keeps its own rule.

use crate::SecretKind;

/// Separates the team from the key in a team-scoped secret name (`<team>--<key>`).
pub const TEAM_SEP: &str = "--";

/// The providers' `_names_a_team_namespace(secret_id)`: in a multi-team deployment a key holding
/// [`TEAM_SEP`] is ambiguous next to the team-scoped names (team `a` + key `b--c` and team `a--b` + key
/// `c` build the same name), so it is not looked up.
pub fn names_a_team_namespace(multi_team: bool, key: &str) -> bool {
    multi_team && key.contains(TEAM_SEP)
}

/// The providers' WARN line for a refused key (`_log_refusal`), in their words. Keys are not secrets.
pub fn log_refusal(backend: &'static str, kind: SecretKind, key: &str) {
    let what = match kind {
        SecretKind::Connection => "Connection",
        SecretKind::Variable => "Variable",
        SecretKind::Config => "Configuration option",
    };
    tracing::warn!(
        backend,
        %kind,
        key,
        "{what} id {key:?} contains {TEAM_SEP:?}, which separates the team name from the secret id in a \
         team scoped secret name. Such an id is ambiguous and is not looked up. Returning None."
    );
}

/// The team a lookup of `kind` is made for: `None` for config (Airflow's `get_config` takes no team) and
/// for an empty team (Airflow tests its truthiness).
pub fn lookup_team(kind: SecretKind, team: Option<&str>) -> Option<&str> {
    team.filter(|t| !t.is_empty() && kind != SecretKind::Config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_and_team() {
        assert!(names_a_team_namespace(true, "a--b"));
        assert!(!names_a_team_namespace(false, "a--b"));
        assert!(!names_a_team_namespace(true, "a-b__c"));
        assert_eq!(lookup_team(SecretKind::Variable, Some("t")), Some("t"));
        assert_eq!(lookup_team(SecretKind::Variable, Some("")), None);
        assert_eq!(lookup_team(SecretKind::Config, Some("t")), None);
    }
}
