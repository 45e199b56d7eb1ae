//! The client: sqlx connect options and the pool ([`connect`]), and the queries that read one row per
//! lookup ([`store`]). The database work runs on a thread of its own; see [`Client`]'s `fetch`.
//!
//! No retry loop: a refused connection is retried by sqlx's pool (with its own back-off) until the
//! connect timeout, and a failed query is not repeated (Airflow's `MetastoreBackend` does not retry).

mod connect;
mod store;

pub(crate) use store::Client;
