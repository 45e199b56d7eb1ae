//! Airflow's kwargs for `MetastoreBackend`: none (its `__init__` takes none; everything comes from
//! Airflow's configuration, see [`MetastoreConfig`](crate::MetastoreConfig)).

use airflow_secrets_core::Error;
use airflow_secrets_core::kwargs::Kwargs;

use crate::BACKEND;

/// What [`UnknownKwarg`](Error::UnknownKwarg) lists as accepted.
const ACCEPTED: &str = "(none: MetastoreBackend takes no kwargs; it reads [database] sql_alchemy_conn and \
                        [core] fernet_key from Airflow's configuration)";

/// `MetastoreBackend()` accepts no kwargs: any key is [`Error::UnknownKwarg`].
pub(crate) fn check(kwargs: &Kwargs) -> Result<(), Error> {
    match kwargs.keys().next() {
        None => Ok(()),
        Some(kwarg) => Err(Error::UnknownKwarg {
            backend: BACKEND,
            kwarg: kwarg.clone(),
            accepted: ACCEPTED.into(),
        }),
    }
}
