//! `cos-batch emulator`: the local control plane in the foreground, until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use cos_batch_emulator::{Account, Config, Emulator, EmulatorHandle};
use serde::Serialize;

use crate::cli::{EmulatorArgs, OutputFormat};
use crate::failure::Failure;
use crate::output;

/// What the emulator prints when it is up: where it listens and the account to use.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listening {
    /// Base URL, for `COS_BATCH_ENDPOINT`.
    pub endpoint: String,
    /// Where buckets live.
    pub data_dir: String,
    /// Region of the ARNs.
    pub region: String,
    /// Account UIN.
    pub uin: String,
    /// APPID.
    pub appid: String,
    /// SecretId.
    pub secret_id: String,
    /// SecretKey (of the emulator's own account).
    pub secret_key: String,
}

/// Run `emulator`.
pub async fn run(args: &EmulatorArgs, format: OutputFormat) -> Result<ExitCode, Failure> {
    let data_dir = data_dir(args.data_dir.clone(), "cos-batch-emulator-")?;
    let account = match &args.account {
        Some(text) => parse_account(text)?,
        None => Account::demo(),
    };
    let mut config = Config::new(&data_dir)
        .with_account(account.clone())
        .with_bind(args.bind);
    if let Some(workers) = args.workers {
        config = config.with_workers(workers.max(1));
    }
    if let Some(state) = &args.state_dir {
        config = config.with_state_dir(state);
    }
    let handle = Emulator::start(config)
        .await
        .map_err(|e| Failure::local(format!("cannot start the emulator: {e}")))?;
    let listening = listening(&handle, &account);
    output::emit(format, &listening, || {
        format!(
            "emulator listening on {}\ndata directory {}\n\n# point cos-batch at it:\n\
             export COS_BATCH_ENDPOINT={}\nexport COS_UIN={}\nexport COS_APPID={}\n\
             export COS_SECRET_ID={}\nexport COS_SECRET_KEY={}\n\nCtrl-C stops it.",
            listening.endpoint,
            listening.data_dir,
            listening.endpoint,
            listening.uin,
            listening.appid,
            listening.secret_id,
            listening.secret_key,
        )
    })?;
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let stopped = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    stopped.map_err(|e| Failure::local(format!("cannot wait for Ctrl-C: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn listening(handle: &EmulatorHandle, account: &Account) -> Listening {
    Listening {
        endpoint: handle.base_url(),
        data_dir: handle.data_dir().display().to_string(),
        region: handle.region().to_owned(),
        uin: account.uin.clone(),
        appid: account.appid.clone(),
        secret_id: account.secret_id.clone(),
        secret_key: account.secret_key().to_owned(),
    }
}

/// The given directory (created if needed), or a new temporary one that is kept.
pub fn data_dir(given: Option<PathBuf>, prefix: &str) -> Result<PathBuf, Failure> {
    match given {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure::local(format!("cannot create {}: {e}", dir.display())))?;
            Ok(dir)
        }
        None => tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map(tempfile::TempDir::keep)
            .map_err(|e| Failure::local(format!("cannot create a temporary directory: {e}"))),
    }
}

/// `UIN:APPID:SECRET_ID:SECRET_KEY` (the key may hold `:`).
fn parse_account(text: &str) -> Result<Account, Failure> {
    let mut parts = text.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(uin), Some(appid), Some(id), Some(key))
            if [uin, appid, id, key].iter().all(|p| !p.is_empty()) =>
        {
            Ok(Account::new(uin, appid, id, key))
        }
        _ => Err(Failure::usage(
            "--account: expected UIN:APPID:SECRET_ID:SECRET_KEY, none of them empty",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_has_four_parts() {
        let a = parse_account("1:2:id:key:with:colons").unwrap();
        assert_eq!(
            (a.uin.as_str(), a.appid.as_str(), a.secret_id.as_str()),
            ("1", "2", "id")
        );
        assert_eq!(a.secret_key(), "key:with:colons");
        assert!(parse_account("1:2:id").is_err());
        assert!(parse_account("1::id:key").is_err());
    }
}
