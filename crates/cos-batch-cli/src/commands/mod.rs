//! One module per subcommand (the six API calls share `jobs`).

pub mod accounts;
pub mod create_job;
pub mod demo;
pub mod document_fields;
pub mod emulator;
pub mod get;
pub mod jobs;
pub mod ls;
pub mod manifest;
pub mod mb;
pub mod put;
pub mod report;
pub mod retry_failed;
pub mod run;
pub mod sign;
pub mod watch;
pub mod whoami;
