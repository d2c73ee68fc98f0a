//! `cos-batch`: the Tencent Cloud COS Batch Operations API from the command line — every call,
//! a job watcher with a progress bar, the request signer, a local emulator and a demo.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cli;
mod commands;
mod config;
mod cos_url;
mod failure;
mod interrupt;
mod key_glob;
mod manifest_csv;
mod output;
mod report_reader;
mod terminal;

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, FromArgMatches as _};
use cos_batch_hyper::Client;

use crate::cli::{Cli, Command};
use crate::commands::{
    demo, emulator, get, jobs, ls, manifest, mb, put, report, retry_failed, run as run_cmd, sign,
    watch, whoami,
};
use crate::config::{Connection, Keys};
use crate::failure::Failure;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Err(failure) = config::refuse_client_flags(&cli.command, &matches) {
        return failure.report(cli.global.output);
    }
    cli.global.read_environment();
    let format = cli.global.output;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return Failure::local(format!("cannot start the async runtime: {e}")).report(format);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => failure.report(format),
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let format = cli.global.output;
    match &cli.command {
        Command::Sign(args) => {
            let endpoint = match sign::uses_endpoint(args) {
                true => config::sign_endpoint(&cli.global)?,
                false => None,
            };
            sign::run(
                args,
                config::credentials(&cli.global)?,
                endpoint.as_ref(),
                format,
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Whoami => {
            whoami::run(&cli.global, format).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Emulator(args) => return emulator::run(args, format).await,
        Command::Demo(args) => return demo::run(args, format).await,
        _ => {}
    }
    let connection = Connection::resolve(&cli.global)?;
    let base_url = connection.endpoint.base_url();
    let builder = Client::builder().endpoint(connection.endpoint);
    let builder = match connection.keys {
        Keys::Given(credentials) => builder.credentials(credentials),
        Keys::Chain => builder.credentials_provider(config::chain()?),
    };
    let client = builder
        .user_agent(concat!("cos-batch-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Failure::usage)?;
    call(&client, &cli)
        .await
        .map_err(|f| f.at_endpoint(&base_url))
}

/// The commands that call the service, with `client`.
async fn call(client: &Client, cli: &Cli) -> Result<ExitCode, Failure> {
    let format = cli.global.output;
    // The region the ARNs of uploaded manifests name (the emulator ignores it).
    let region = cli
        .global
        .region
        .as_deref()
        .unwrap_or(cos_batch_emulator::DEFAULT_REGION);
    let uin = cli.global.uin.as_deref();
    match &cli.command {
        Command::CreateJob(args) => jobs::create(client, args, uin, region, format).await?,
        Command::Manifest(args) => manifest::run(client, args, region, format).await?,
        Command::Report(args) => report::run(client, args, format).await?,
        Command::RetryFailed(args) => {
            let retry = retry_failed::run(client, args, format);
            interrupt::unless_interrupted("retrying the failed tasks", retry).await?
        }
        Command::Run(args) => return run_cmd::run(client, args, region, uin, format).await,
        Command::Mb { bucket } => mb::run(client, bucket, format).await?,
        Command::Put { file, to } => put::run(client, file, to, format).await?,
        Command::Get { from, file } => get::run(client, from, file.as_deref()).await?,
        Command::Ls { url } => ls::run(client, url, format).await?,
        Command::DescribeJob { job_id } => jobs::describe(client, job_id, format).await?,
        Command::ListJobs(args) => jobs::list(client, args, format).await?,
        Command::UpdateJobStatus {
            job_id,
            status,
            reason,
        } => jobs::update_status(client, job_id, *status, reason.as_deref(), format).await?,
        Command::UpdateJobPriority { job_id, priority } => {
            jobs::update_priority(client, job_id, *priority, format).await?
        }
        Command::DeleteJob { job_id } => jobs::delete(client, job_id, format).await?,
        Command::Watch(args) => {
            let job =
                watch::follow(client, &args.job_id, Duration::from_secs_f64(args.interval)).await?;
            let result = cos_batch_model::DescribeJobResult::new(job.clone());
            output::emit(format, &result, || watch::summary(&job))?;
            return Ok(ExitCode::from(watch::exit_code(
                &job,
                args.fail_on_task_failures,
            )));
        }
        Command::Sign(_) | Command::Whoami | Command::Emulator(_) | Command::Demo(_) => {}
    }
    Ok(ExitCode::SUCCESS)
}
