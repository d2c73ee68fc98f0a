//! `cos-batch emulator`: the local control plane in the foreground, until Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use cos_batch_emulator::{Account, Config, Emulator, EmulatorHandle};
use serde::Serialize;

use crate::cli::{DEFAULT_BIND, EmulatorArgs, OutputFormat};
use crate::commands::accounts::accounts;
use crate::failure::Failure;
use crate::output;

/// One account the emulator serves, as it prints it (never its secret key).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServedAccount {
    /// Account UIN.
    pub uin: String,
    /// APPID.
    pub appid: String,
    /// SecretId.
    pub secret_id: String,
}

/// What the emulator prints when it is up: where it listens and the (first) account to use.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listening {
    /// Base URL, for `COS_BATCH_ENDPOINT`.
    pub endpoint: String,
    /// Where buckets live.
    pub data_dir: String,
    /// Whether the data directory is kept (`--data-dir`) or removed when the emulator stops.
    pub data_dir_kept: bool,
    /// Region of the ARNs.
    pub region: String,
    /// Account UIN.
    pub uin: String,
    /// APPID.
    pub appid: String,
    /// SecretId.
    pub secret_id: String,
    /// SecretKey, only for the well-known demo account: a key the user configured is never
    /// printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Every account served.
    pub accounts: Vec<ServedAccount>,
}

/// Run `emulator`.
pub async fn run(args: &EmulatorArgs, format: OutputFormat) -> Result<ExitCode, Failure> {
    let accounts = accounts(&args.account, args.accounts_file.as_deref())?;
    let data = DataDir::new(args.data_dir.clone(), "cos-batch-emulator-")?;
    let mut config = Config::new(data.path()).with_bind(args.bind);
    for account in &accounts {
        config = config.with_account(account.clone());
    }
    if let Some(workers) = args.workers {
        config = config.with_workers(workers.max(1));
    }
    if let Some(state) = &args.state_dir {
        config = config.with_state_dir(state);
    }
    if let Some(n) = args.max_connections {
        config = config.with_max_connections(n);
    }
    if let Some(secs) = args.header_read_timeout {
        config = config.with_header_read_timeout(seconds(secs, "--header-read-timeout")?);
    }
    if let Some(secs) = args.idle_timeout {
        config = config.with_idle_timeout(seconds(secs, "--idle-timeout")?);
    }
    let handle = Emulator::start(config).await.map_err(|e| {
        let failure = Failure::local(format!("cannot start the emulator on {}: {e}", args.bind));
        if args.bind.to_string() == DEFAULT_BIND {
            failure.with_hint(format!(
                "{DEFAULT_BIND} is the default address; `--bind 127.0.0.1:0` picks a free port"
            ))
        } else {
            failure
        }
    })?;
    // Listen for the signals before saying where we listen: a Ctrl-C right after the
    // `export` lines then stops the emulator cleanly too.
    let stop = StopSignal::new();
    let listening = listening(&handle, &data);
    output::emit(format, &listening, || {
        let key = match &listening.secret_key {
            Some(key) => format!("export COS_SECRET_KEY={key}"),
            None => "# and COS_SECRET_KEY: the key configured for this account".to_owned(),
        };
        let mut text = format!(
            "emulator listening on {}\ndata directory {}\n\n# point cos-batch at it:\n\
             export COS_BATCH_ENDPOINT={}\nexport COS_UIN={}\nexport COS_APPID={}\n\
             export COS_SECRET_ID={}\n{key}\n",
            listening.endpoint,
            data.describe("when the emulator stops"),
            listening.endpoint,
            listening.uin,
            listening.appid,
            listening.secret_id,
        );
        text.push_str(&format!(
            "\n# then make a bucket, upload a file, and run a job over it:\n\
             cos-batch mb cos://mybucket-{appid}\n\
             cos-batch put ./photo.jpg cos://mybucket-{appid}/photos/photo.jpg\n\
             cos-batch ls cos://mybucket-{appid}/photos/\n\
             cos-batch mb cos://reports-{appid}\n\
             cos-batch run --bucket mybucket-{appid} --prefix photos/ \\\n  \
             --manifest-to cos://mybucket-{appid}/manifests/photos.csv \\\n  \
             --operation tagging --tag reviewed=yes \\\n  \
             --report-bucket qcs::cos:{region}::reports-{appid} --confirm\n",
            appid = listening.appid,
            region = listening.region,
        ));
        if listening.accounts.len() > 1 {
            text.push_str("\naccounts served (UIN APPID SECRET_ID):\n");
            for a in &listening.accounts {
                text.push_str(&format!("  {} {} {}\n", a.uin, a.appid, a.secret_id));
            }
        }
        text.push_str("\nCtrl-C stops it.");
        text
    })?;
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let stopped = stop.wait().await;
    handle.shutdown().await;
    drop(data);
    stopped.map_err(|e| Failure::local(format!("cannot wait for Ctrl-C: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or (on Unix) SIGTERM: both stop the emulator cleanly, removing a temporary data
/// directory. On Unix the handlers are in place from [`StopSignal::new`].
struct StopSignal {
    #[cfg(unix)]
    signals: std::io::Result<[tokio::signal::unix::Signal; 2]>,
}

impl StopSignal {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = signal(SignalKind::interrupt())
                .and_then(|int| Ok([int, signal(SignalKind::terminate())?]));
            Self { signals }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    async fn wait(self) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            let [mut int, mut term] = self.signals?;
            tokio::select! {
                _ = int.recv() => Ok(()),
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    }
}

fn listening(handle: &EmulatorHandle, data: &DataDir) -> Listening {
    let served = handle.accounts();
    let first = served.first().cloned().unwrap_or_else(Account::demo);
    Listening {
        endpoint: handle.base_url(),
        data_dir: handle.data_dir().display().to_string(),
        data_dir_kept: data.is_kept(),
        region: handle.region().to_owned(),
        uin: first.uin.clone(),
        appid: first.appid.clone(),
        secret_id: first.secret_id.clone(),
        secret_key: (first == Account::demo()).then(|| first.secret_key().to_owned()),
        accounts: served
            .iter()
            .map(|a| ServedAccount {
                uin: a.uin.clone(),
                appid: a.appid.clone(),
                secret_id: a.secret_id.clone(),
            })
            .collect(),
    }
}

/// A positive, finite number of seconds.
fn seconds(secs: f64, flag: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Failure::usage(format!("{flag}: expected a positive number of seconds")))
}

/// Where an emulator keeps its buckets: the directory the user named, which is kept, or a
/// temporary one, removed when this is dropped.
#[derive(Debug)]
pub enum DataDir {
    /// `--data-dir`: created if needed, kept.
    Kept(PathBuf),
    /// A new directory in the system's temporary directory, removed on drop.
    Temporary(tempfile::TempDir),
}

impl DataDir {
    /// The given directory (created if needed), or a new temporary one named `prefix...`.
    pub fn new(given: Option<PathBuf>, prefix: &str) -> Result<Self, Failure> {
        match given {
            Some(dir) => {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| Failure::local(format!("cannot create {}: {e}", dir.display())))?;
                Ok(Self::Kept(dir))
            }
            None => tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .map(Self::Temporary)
                .map_err(|e| Failure::local(format!("cannot create a temporary directory: {e}"))),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        match self {
            Self::Kept(dir) => dir,
            Self::Temporary(dir) => dir.path(),
        }
    }

    /// Whether it outlives the command.
    pub fn is_kept(&self) -> bool {
        matches!(self, Self::Kept(_))
    }

    /// The path, and for a temporary directory when it goes and how to keep it.
    pub fn describe(&self, removed: &str) -> String {
        match self {
            Self::Kept(dir) => dir.display().to_string(),
            Self::Temporary(dir) => format!(
                "{} (temporary: removed {removed}; --data-dir DIR keeps it)",
                dir.path().display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(
            seconds(1.5, "--idle-timeout").unwrap(),
            Duration::from_millis(1500)
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(seconds(bad, "--idle-timeout").is_err(), "{bad}");
        }
    }
}
