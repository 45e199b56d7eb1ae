//! Building blocks every provider uses, so that each guarantee is written once.
//!
//! * [`redact`]: the one place that turns text which may carry a secret (serde messages that echo a
//!   value, URLs with userinfo) into text that may be shown;
//! * [`limits`]: validation of every number that becomes a [`Duration`](std::time::Duration), an
//!   instant or a count, so that no configuration or server value can panic or overflow;
//! * [`files`]: bounded reads of files named by configuration (regular files only, size-capped);
//! * [`routes`]: per-kind prefixes and lookup patterns, disabled kinds, the one "skipped" log;
//! * [`context`]: [`LookupContext`](context::LookupContext), which builds every lookup error with its
//!   backend, kind, key, location, attempts and elapsed time, and the one kwarg-error constructor;
//! * [`retry`]: the back-off schedule, the transient-status rule and the retry loop;
//! * [`deadline`]: the whole-lookup deadline;
//! * [`env`](mod@env): the snapshot of the environment variables a provider honours.

pub mod context;
pub mod deadline;
pub mod env;
pub mod files;
pub mod limits;
pub mod redact;
pub mod retry;
pub mod routes;
pub mod team;
