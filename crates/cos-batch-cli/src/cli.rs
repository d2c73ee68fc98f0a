//! The command line: every flag and subcommand, as clap sees them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use cos_batch_model::{JobStatus, JobTier, MAX_PRIORITY, ManifestFormat, StorageClass};

/// `cos-batch`: the Tencent Cloud COS Batch Operations API from the command line.
///
/// Configuration comes from flags, then from the environment (`COS_SECRET_ID`,
/// `COS_SECRET_KEY`, `COS_SESSION_TOKEN`, `COS_UIN`, `COS_APPID`, `COS_REGION`,
/// `COS_BATCH_ENDPOINT`). Without a key, the keys come from the credentials chain:
/// `TENCENTCLOUD_*` variables, `~/.tccli`, `~/.cos.conf`, TKE web identity, the CVM role. Exit codes: 0 success, 1 local failure (a file, the emulator),
/// 2 usage or configuration, 3 service error, 4 transport error; `watch` and `run` exit 5 when
/// the job failed, 6 when it was cancelled, 7 (`run`, `watch --fail-on-task-failures`) when it
/// completed with failed tasks, and 130 on Ctrl-C (the job keeps running).
#[derive(Debug, Parser)]
#[command(name = "cos-batch", version, about, long_about)]
pub struct Cli {
    /// Connection and output options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts, shown under their own heading in every `--help`.
///
/// The environment variables are read by [`GlobalArgs::read_environment`], not by clap: clap
/// would count a variable as a flag given on the command line, and its usage lines would show
/// `--uin <UIN>` as required whenever `COS_UIN` is set.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Base URL of the batch endpoint (default
    /// `https://{uin}.cos-control.{region}.myqcloud.com`) [env: COS_BATCH_ENDPOINT]
    #[arg(long, global = true)]
    pub endpoint: Option<String>,
    /// Account UIN (the owner's account id), used to build the endpoint [env: COS_UIN]
    #[arg(long, global = true)]
    pub uin: Option<String>,
    /// Region, e.g. ap-guangzhou, used to build the endpoint [env: COS_REGION]
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// APPID, sent as `x-cos-appid` [env: COS_APPID]
    #[arg(long, global = true)]
    pub appid: Option<String>,
    /// SecretId of the API key [env: COS_SECRET_ID]
    #[arg(long, global = true)]
    pub secret_id: Option<String>,
    /// SecretKey of the API key (prefer the environment: flags show in process lists)
    /// [env: COS_SECRET_KEY]
    #[arg(long, global = true)]
    pub secret_key: Option<String>,
    /// Session token of temporary keys [env: COS_SESSION_TOKEN]
    #[arg(long, global = true)]
    pub session_token: Option<String>,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable tables and lines.
    Table,
    /// JSON with the API's field names, one document per command.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a job from flags or from a CreateJobRequest file (XML or JSON).
    CreateJob(Box<CreateJobArgs>),
    /// Show one job.
    DescribeJob {
        /// The job's id.
        job_id: String,
    },
    /// List jobs, oldest first.
    ListJobs(ListJobsArgs),
    /// Confirm (`ready`) or cancel (`cancelled`) a job.
    UpdateJobStatus {
        /// The job's id.
        job_id: String,
        /// The requested status (either case).
        #[arg(value_enum, ignore_case = true)]
        status: RequestedStatus,
        /// Why (0–256 bytes).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Change a job's priority (0–2147483647, higher runs first).
    UpdateJobPriority {
        /// The job's id.
        job_id: String,
        /// The new priority (0–2147483647, higher runs first).
        #[arg(allow_negative_numbers = true, value_parser = parse_priority)]
        priority: u32,
    },
    /// Delete a finished job's record (an undocumented operation).
    DeleteJob {
        /// The job's id.
        job_id: String,
    },
    /// Follow a job with a progress bar until it ends; the exit code says how it ended.
    Watch(WatchArgs),
    /// Compute a COS request signature step by step, like the vendor's signature tool.
    Sign(Box<SignArgs>),
    /// Say which keys the other commands would sign with: the secret id, where they come from
    /// and when they expire (never the secret key or the token).
    Whoami,
    /// Run the local emulator in the foreground until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Run a copy job end to end on a local emulator: no network, no account.
    Demo(DemoArgs),
    /// Build a COSBatchOperations_CSV_V1 manifest from a bucket listing or a file of keys,
    /// upload it, and print its ARN and ETag (in JSON, the ready `Manifest` element).
    Manifest(ManifestArgs),
    /// Read a job's completion report: tasks by status, failures grouped by error code and
    /// HTTP status with sample keys; `--failed` lists every failed task.
    Report(ReportArgs),
    /// Create a new job with the same operation and settings over the failed tasks of a
    /// finished job (their manifest is uploaded next to the report).
    RetryFailed(RetryFailedArgs),
    /// Manifest, create, confirm, watch and report in one; the exit code says how it ended.
    Run(Box<RunArgs>),
    /// Create a bucket: `mb cos://name-appid`.
    Mb {
        /// `cos://name-appid`.
        bucket: String,
    },
    /// Upload a file: `put FILE cos://name-appid/key` (prints the ETag).
    Put {
        /// The local file.
        file: PathBuf,
        /// `cos://name-appid/key`.
        to: String,
    },
    /// Download an object: `get cos://name-appid/key [FILE]` (standard output without FILE or
    /// with `-`), chunk by chunk.
    Get {
        /// `cos://name-appid/key`.
        from: String,
        /// Where to write it.
        file: Option<PathBuf>,
    },
    /// List objects: `ls cos://name-appid[/prefix]`, every page.
    Ls {
        /// `cos://name-appid[/prefix]`.
        url: String,
    },
}

/// `manifest` options.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// What the manifest lists.
    #[command(flatten)]
    pub source: ManifestSourceArgs,
    /// Where the manifest is uploaded: `cos://name-appid/key`.
    #[arg(long)]
    pub to: String,
}

/// `report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The job's id.
    pub job_id: String,
    /// List every failed task instead of the summary.
    #[arg(long)]
    pub failed: bool,
    /// How `--failed` prints: an aligned table, JSON Lines (one object a line: `Bucket`,
    /// `Key`, `VersionId`, `ErrorCode`, `HTTPStatusCode`, `ResultMessage`; the default with
    /// `--output json`) or CSV in the report's columns.
    #[arg(long, value_enum, requires = "failed")]
    pub format: Option<FailedFormat>,
    /// Sample keys shown per failure group.
    #[arg(long, default_value_t = 3)]
    pub samples: usize,
}

/// How `report --failed` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailedFormat {
    /// Columns.
    Table,
    /// One JSON object per line.
    Jsonl,
    /// The report's CSV columns, with a header line.
    Csv,
}

/// `retry-failed` options.
#[derive(Debug, Args)]
pub struct RetryFailedArgs {
    /// The finished job whose failed tasks are retried.
    pub job_id: String,
    /// ClientRequestToken of the new job (default: a fresh UUID).
    #[arg(long)]
    pub client_request_token: Option<String>,
}

/// `run` options.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What the manifest lists (or `--manifest-file`).
    #[command(flatten)]
    pub source: ManifestSourceArgs,
    /// A ready local manifest file instead of a listing.
    #[arg(long, conflicts_with_all = ["bucket", "keys_file"])]
    pub manifest_file: Option<PathBuf>,
    /// Where the manifest is uploaded: `cos://name-appid/key`.
    #[arg(long)]
    pub manifest_to: String,
    /// Confirm the job once it is prepared (Suspended, its tasks counted). Without it the
    /// job waits for `update-job-status JOB ready` and `run` keeps watching.
    #[arg(long)]
    pub confirm: bool,
    /// Seconds between progress polls.
    #[arg(long, default_value_t = 1.0, value_parser = parse_interval)]
    pub interval: f64,
    /// ClientRequestToken (default: a fresh UUID).
    #[arg(long)]
    pub client_request_token: Option<String>,
    /// The operation and the job's settings.
    #[command(flatten)]
    pub job: JobArgs,
}

/// A requested job status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequestedStatus {
    /// Confirm a job waiting in Suspended.
    Ready,
    /// Cancel a job.
    Cancelled,
}

/// `create-job` options.
#[derive(Debug, Args)]
pub struct CreateJobArgs {
    /// A CreateJobRequest document (XML as on the wire, or JSON with the same field names);
    /// `-` reads standard input. Other flags are not allowed with it, except the token.
    #[arg(long, conflicts_with_all = [
        "operation", "manifest_arn", "manifest_etag", "report_bucket", "role_arn",
        "priority", "description", "confirmation_required", "manifest_file",
    ])]
    pub file: Option<PathBuf>,
    /// ClientRequestToken (default: a fresh UUID, reused on every retry).
    #[arg(long)]
    pub client_request_token: Option<String>,
    /// Manifest object ARN, e.g. `qcs::cos:ap-guangzhou::srcbucket-1250000000/manifest.csv`.
    #[arg(long, required_unless_present_any = ["file", "manifest_file"])]
    pub manifest_arn: Option<String>,
    /// Manifest object ETag (its MD5 in hex, quotes optional).
    #[arg(long, required_unless_present_any = ["file", "manifest_file"])]
    pub manifest_etag: Option<String>,
    /// A local manifest file to upload to `--manifest-to` first; the job is created with
    /// the uploaded object's ARN and ETag.
    #[arg(long, requires = "manifest_to", conflicts_with_all = ["manifest_arn", "manifest_etag"])]
    pub manifest_file: Option<PathBuf>,
    /// Where `--manifest-file` is uploaded: `cos://bucket-appid/key`.
    #[arg(long, requires = "manifest_file")]
    pub manifest_to: Option<String>,
    /// Manifest columns, in order (Ignore, Bucket, Key, VersionId).
    #[arg(long, value_delimiter = ',', default_value = "Bucket,Key")]
    pub manifest_fields: Vec<String>,
    /// Manifest format.
    #[arg(long, default_value = "COSBatchOperations_CSV_V1", value_parser = known(ManifestFormat::KNOWN))]
    pub manifest_format: String,
    /// The operation and the job's settings.
    #[command(flatten)]
    pub job: JobArgs,
}

/// What a job does and how it runs: the operation, its priority, report and role (shared by
/// `create-job` and `run`).
#[derive(Debug, Args)]
pub struct JobArgs {
    /// The operation.
    #[arg(long, value_enum)]
    pub operation: Option<OperationKind>,
    /// Priority (0–2147483647, higher runs first).
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = parse_priority)]
    pub priority: u32,
    /// Job description (0–256 bytes).
    #[arg(long)]
    pub description: Option<String>,
    /// Wait in Suspended until confirmed with `update-job-status JOB ready`.
    #[arg(long)]
    pub confirmation_required: bool,
    /// CAM role the job runs as (default `qcs::cam::uin/{uin}:roleName/COS_Batch_QcsRole`).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// Bucket ARN for the completion report (without it the job is created with its report
    /// disabled).
    #[arg(long)]
    pub report_bucket: Option<String>,
    /// Key prefix of the report.
    #[arg(long)]
    pub report_prefix: Option<String>,
    /// Which tasks the report lists.
    #[arg(long, value_enum, default_value_t = ReportScopeArg::AllTasks)]
    pub report_scope: ReportScopeArg,
    /// Copy: destination bucket ARN.
    #[arg(long, required_if_eq("operation", "copy"))]
    pub target_bucket: Option<String>,
    /// Copy: key prefix to strip or replace (with `--target-key-prefix`).
    #[arg(long)]
    pub resources_prefix: Option<String>,
    /// Copy: key prefix of the copies.
    #[arg(long)]
    pub target_key_prefix: Option<String>,
    /// Copy: storage class of the copies (default STANDARD, as PUT Object - Copy).
    #[arg(long, value_parser = known(StorageClass::KNOWN))]
    pub storage_class: Option<String>,
    /// Copy: new tags (`--tag k=v`, repeatable); tagging: the tag set.
    #[arg(long = "tag", value_parser = parse_pair)]
    pub tags: Vec<(String, String)>,
    /// Restore: days the restored copy stays (1–365).
    #[arg(long, required_if_eq("operation", "restore"))]
    pub expiration_days: Option<u32>,
    /// Restore: retrieval tier.
    #[arg(long, default_value = "Standard", value_parser = known(JobTier::KNOWN))]
    pub job_tier: String,
}

/// Where a manifest's objects come from: a bucket listing with filters, or a file of keys
/// (shared by `manifest` and `run`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Manifest source")]
pub struct ManifestSourceArgs {
    /// The bucket (`name-appid`) to list, or the bucket of the keys of a plain `--keys-file`.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Only keys under this prefix (listed with GET Bucket's `prefix`).
    #[arg(long, default_value = "", requires = "bucket")]
    pub prefix: String,
    /// Only keys matching this glob: `*` any run of characters but `/`, `**` any run,
    /// `?` one character but `/`.
    #[arg(long)]
    pub glob: Option<String>,
    /// Only objects of at least this many bytes.
    #[arg(long)]
    pub min_size: Option<u64>,
    /// Only objects of at most this many bytes.
    #[arg(long)]
    pub max_size: Option<u64>,
    /// Only objects last modified before this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long, value_parser = parse_time)]
    pub modified_before: Option<time::OffsetDateTime>,
    /// Only objects last modified at or after this time (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    pub modified_after: Option<time::OffsetDateTime>,
    /// Only objects of this storage class (repeatable), as the listing gives it (STANDARD,
    /// ARCHIVE, ...). Named `--source-storage-class` so that `run` can take the copy's
    /// `--storage-class` too.
    #[arg(long = "source-storage-class")]
    pub source_storage_classes: Vec<String>,
    /// A local file of keys instead of a listing: one key per line (with `--bucket`), or, for
    /// a `.csv` file, CSV rows `bucket,key` (keys as they are, not URL-encoded). The filters
    /// on size, time and storage class need a listing; `--glob` applies to both.
    #[arg(long, conflicts_with_all = [
        "prefix", "min_size", "max_size", "modified_before", "modified_after",
        "source_storage_classes",
    ])]
    pub keys_file: Option<PathBuf>,
}

/// A flag that takes one of the wire values the API documents (`--help` lists them; another
/// value is a usage error before anything is sent).
fn known(values: &'static [&'static str]) -> PossibleValuesParser {
    PossibleValuesParser::new(values.iter().copied())
}

/// The operation of a job created from flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OperationKind {
    /// COSPutObjectCopy.
    Copy,
    /// COSInitiateRestoreObject.
    Restore,
    /// COSPutObjectTagging.
    Tagging,
    /// COSDeleteObject.
    Delete,
}

/// Report scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportScopeArg {
    /// Every task.
    AllTasks,
    /// Failed tasks only.
    FailedTasksOnly,
}

/// `list-jobs` options.
#[derive(Debug, Args)]
pub struct ListJobsArgs {
    /// Only jobs in this status (repeatable, either case), e.g. Active, complete.
    #[arg(long = "status", value_parser = known(JobStatus::KNOWN), ignore_case = true)]
    pub statuses: Vec<String>,
    /// Jobs per page (1–1000).
    #[arg(long)]
    pub max_results: Option<u32>,
    /// Start after this token (from a previous page).
    #[arg(long, conflicts_with = "all")]
    pub next_token: Option<String>,
    /// Follow every page.
    #[arg(long)]
    pub all: bool,
}

/// `watch` options.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The job's id.
    pub job_id: String,
    /// Seconds between polls.
    #[arg(long, default_value_t = 1.0, value_parser = parse_interval)]
    pub interval: f64,
    /// Exit 7 when the job completed but some of its tasks failed (without it, a completed
    /// job exits 0 whatever its tasks did).
    #[arg(long)]
    pub fail_on_task_failures: bool,
}

/// `sign` options.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// HTTP method.
    #[arg(long, short = 'X', default_value = "GET")]
    pub method: String,
    /// The request target (`/path?query`, as sent) or a full URL.
    pub target: String,
    /// A header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    pub headers: Vec<String>,
    /// Host header, when the target is not a full URL and no `Host` header is given.
    #[arg(long)]
    pub host: Option<String>,
    /// `q-key-time` as `start;end` (Unix seconds); default now + `--expires`.
    #[arg(long)]
    pub key_time: Option<String>,
    /// `q-sign-time` as `start;end` when it differs from the key time.
    #[arg(long)]
    pub sign_time: Option<String>,
    /// Validity in seconds when `--key-time` is not given.
    #[arg(long, default_value_t = 3600)]
    pub expires: u64,
    /// Which headers to sign: `all`, `default` (host, content-*, x-cos-*) or a comma list.
    #[arg(long, default_value = "all")]
    pub signed_headers: String,
    /// Print a presigned URL instead of an Authorization header.
    #[arg(long)]
    pub presign: bool,
}

/// `emulator` options.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Data directory: buckets are its sub-directories, kept (default: a temporary directory,
    /// removed when the emulator stops).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Keep jobs across restarts in this directory.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Address to listen on; `127.0.0.1:0` picks a free port.
    #[arg(long, default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// Tasks run at once per active job.
    #[arg(long)]
    pub workers: Option<usize>,
    /// An account to serve, as `UIN:APPID:SECRET_ID:SECRET_KEY`; the key may be
    /// `@env:NAME` (read from the environment variable NAME) or `@file:PATH` (read from a
    /// file), which keeps it out of the process list. Repeat for several accounts (default:
    /// the demo account).
    #[arg(long)]
    pub account: Vec<String>,
    /// A file of accounts to serve, one `UIN:APPID:SECRET_ID:SECRET_KEY` a line (the key may
    /// be `@env:NAME` or `@file:PATH`); blank lines and `#` comments are skipped.
    #[arg(long)]
    pub accounts_file: Option<PathBuf>,
    /// Connections open at once; at the cap a new one closes the oldest idle one (default 512).
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Seconds a new connection has to send a whole request head (default 5).
    #[arg(long)]
    pub header_read_timeout: Option<f64>,
    /// Seconds a kept-alive connection may stay idle (default 20).
    #[arg(long)]
    pub idle_timeout: Option<f64>,
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Source objects to write and copy.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub objects: u32,
    /// Data directory, kept so you can look at it (default: a temporary directory, removed at
    /// the end).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Seconds between progress polls.
    #[arg(long, default_value_t = 0.2, value_parser = parse_interval)]
    pub interval: f64,
}

/// Where `cos-batch emulator` listens unless `--bind` says otherwise: a fixed port, so the
/// `export` lines it prints stay valid from one start to the next.
pub const DEFAULT_BIND: &str = "127.0.0.1:9797";

/// A job priority in the API's range, with a hint for the negative values other tools use.
fn parse_priority(s: &str) -> Result<u32, String> {
    let range = format!("priorities are 0..={MAX_PRIORITY}, higher runs first");
    match s.trim().parse::<i128>() {
        Ok(p) if p < 0 => Err(format!(
            "`{s}` is not a priority: {range}; there is no -1, use 0 for the lowest"
        )),
        Ok(p) => u32::try_from(p)
            .ok()
            .filter(|p| *p <= MAX_PRIORITY)
            .ok_or_else(|| format!("`{s}` is too high: {range}")),
        Err(_) => Err(format!("`{s}` is not a number: {range}")),
    }
}

/// An RFC 3339 time.
fn parse_time(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-12-01T00:00:00Z: {e}"))
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}

fn parse_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.01..=3600.0).contains(&v) => Ok(v),
        _ => Err(format!("expected seconds between 0.01 and 3600, got `{s}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn pairs_and_intervals_are_checked() {
        assert_eq!(parse_pair("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_pair("=x").is_err());
        assert!(parse_pair("nokey").is_err());
        assert!(parse_interval("0").is_err());
        assert!(parse_interval("NaN").is_err());
        assert_eq!(parse_interval("0.5").unwrap(), 0.5);
    }

    #[test]
    fn priorities_are_the_apis_range() {
        assert_eq!(parse_priority("0").unwrap(), 0);
        assert_eq!(parse_priority("2147483647").unwrap(), MAX_PRIORITY);
        for bad in ["2147483648", "4294967295", "-1", "x"] {
            let e = parse_priority(bad).unwrap_err();
            assert!(e.contains("0..=2147483647"), "{e}");
        }
        assert!(
            parse_priority("-1")
                .unwrap_err()
                .contains("use 0 for the lowest")
        );
    }
}
