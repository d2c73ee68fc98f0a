//! One module per subcommand (the six API calls share `jobs`).

pub mod accounts;
pub mod create_job;
pub mod demo;
pub mod document_fields;
pub mod emulator;
pub mod jobs;
pub mod sign;
pub mod watch;
pub mod whoami;
