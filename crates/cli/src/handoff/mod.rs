//! Handing Airflow's connections and variables to another program (`exec`, `export`): which keys, under
//! which environment variable names, resolved through the normal chain.

pub mod mapping;
pub mod render;
pub mod resolve;
pub mod spec;

pub use resolve::resolve;
pub use spec::Selection;
