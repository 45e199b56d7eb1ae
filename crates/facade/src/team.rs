//! The team of a multi-team deployment (`[core] multi_team`, Airflow 3.2+): which teams the builder
//! accepts, as Airflow's `Variable.get` / `Connection.get_connection_from_secrets` do.

use airflow_secrets_core::Error;

use crate::settings::ProcessContext;

/// The team to look up for, checked: Airflow raises when a team is given without `[core] multi_team`
/// ("Multi-team mode is not configured in the Airflow environment but the task trying to access the
/// variable belongs to a team"); a task worker's chain passes no team (task-SDK 1.3.2: the Execution
/// API resolves teams on the server); an empty team is no team (Airflow tests its truthiness).
pub(crate) fn checked_team(
    team: Option<String>,
    multi_team: bool,
    context: ProcessContext,
) -> Result<Option<String>, Error> {
    let Some(team) = team.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let refuse = |problem: &str| Error::InvalidSetting {
        option: "team".to_owned(),
        source_name: "the team given to the Secrets builder (CLI --team)".to_owned(),
        problem: problem.to_owned(),
    };
    if !multi_team {
        return Err(refuse(
            "Multi-team mode is not configured in the Airflow environment but a team was given; set \
             [core] multi_team = True (AIRFLOW__CORE__MULTI_TEAM=True) or drop the team",
        ));
    }
    if context == ProcessContext::Worker {
        return Err(refuse(
            "an Airflow 3 task worker passes no team to its secrets backends (the API server resolves \
             the task's team); drop the worker context or the team",
        ));
    }
    Ok(Some(team))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_need_multi_team_and_the_server_context() {
        let server = ProcessContext::Server;
        assert_eq!(checked_team(None, false, server).unwrap(), None);
        assert_eq!(
            checked_team(Some(String::new()), false, server).unwrap(),
            None
        );
        assert_eq!(
            checked_team(Some("a".into()), true, server)
                .unwrap()
                .as_deref(),
            Some("a")
        );
        let err = checked_team(Some("a".into()), false, server)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Multi-team mode is not configured"), "{err}");
        let err = checked_team(Some("a".into()), true, ProcessContext::Worker)
            .unwrap_err()
            .to_string();
        assert!(err.contains("task worker passes no team"), "{err}");
    }
}
