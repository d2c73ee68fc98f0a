//! The test kit of the `cos-batch` binary: the binary with a bare environment, and an
//! emulator started in the test process with helpers to fill it and create jobs.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use cos_batch_emulator::{Account, Config, Emulator, EmulatorHandle};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_cos-batch");
pub const ENV: [&str; 17] = [
    "COS_SECRET_ID",
    "COS_SECRET_KEY",
    "COS_SESSION_TOKEN",
    "COS_UIN",
    "COS_APPID",
    "COS_REGION",
    "COS_BATCH_ENDPOINT",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_TOKEN",
    "TENCENTCLOUD_SECURITY_TOKEN",
    "TCCLI_PROFILE",
    "TKE_REGION",
    "TKE_PROVIDER_ID",
    "TKE_ROLE_ARN",
    "TKE_WEB_IDENTITY_TOKEN_FILE",
    "TKE_IDENTITY_TOKEN_FILE",
];

/// The binary with none of the configuration variables of the calling environment, and a
/// home without profile files (for the credentials chain).
pub fn bare() -> Command {
    let mut cmd = Command::new(BIN);
    for name in ENV {
        cmd.env_remove(name);
    }
    cmd.env("HOME", empty_home()).env_remove("USERPROFILE");
    cmd
}

/// An empty directory that lives as long as the test process.
pub fn empty_home() -> &'static Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

pub struct Fixture {
    handle: Option<EmulatorHandle>,
    runtime: tokio::runtime::Runtime,
    /// The account the emulator serves.
    pub account: Account,
    _dir: tempfile::TempDir,
}

impl Fixture {
    pub fn start() -> Self {
        Self::with_faults(cos_batch_emulator::Faults::new())
    }

    /// An emulator that injects `faults` (delays, errors).
    pub fn with_faults(faults: cos_batch_emulator::Faults) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let account = Account::demo();
        let handle = runtime
            .block_on(Emulator::start(
                Config::new(dir.path())
                    .with_account(account.clone())
                    .with_faults(faults),
            ))
            .unwrap();
        Self {
            handle: Some(handle),
            runtime,
            account,
            _dir: dir,
        }
    }

    pub fn handle(&self) -> &EmulatorHandle {
        self.handle.as_ref().unwrap()
    }

    /// The binary, configured for the emulator through the environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = bare();
        cmd.env("COS_BATCH_ENDPOINT", self.handle().base_url())
            .env("COS_APPID", &self.account.appid)
            .env("COS_UIN", &self.account.uin)
            .env("COS_SECRET_ID", &self.account.secret_id)
            .env("COS_SECRET_KEY", self.account.secret_key());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Writes `count` objects into `bucket` and their manifest; returns (manifest ARN, ETag).
    pub fn objects(&self, bucket: &str, count: usize) -> (String, String) {
        let appid = &self.account.appid;
        let h = self.handle();
        let mut manifest = String::new();
        for i in 0..count {
            let key = format!("data/{i:03}.txt");
            h.put_object(bucket, appid, &key, format!("object {i}").as_bytes())
                .unwrap();
            manifest.push_str(&format!("{bucket}-{appid},{key}\n"));
        }
        let etag = h
            .put_object(bucket, appid, "manifest.csv", manifest.as_bytes())
            .unwrap();
        (h.object_arn(bucket, appid, "manifest.csv"), etag)
    }

    /// `create-job` from flags: a copy job of `count` objects; returns the JobId.
    pub fn create_copy_job(&self, count: usize, extra: &[&str]) -> String {
        let (arn, etag) = self.objects("src", count);
        self.create_copy_job_of(&arn, &etag, extra)
    }

    /// `create-job` from flags: a copy job of the manifest `arn` said to have `etag`;
    /// returns the JobId.
    pub fn create_copy_job_of(&self, arn: &str, etag: &str, extra: &[&str]) -> String {
        for bucket in ["dst", "reports"] {
            self.handle()
                .create_bucket(bucket, &self.account.appid)
                .unwrap();
        }
        let target = self.handle().bucket_arn("dst", &self.account.appid);
        let report = self.handle().bucket_arn("reports", &self.account.appid);
        let mut args = vec![
            "--output",
            "json",
            "create-job",
            "--operation",
            "copy",
            "--manifest-arn",
            arn,
            "--manifest-etag",
            etag,
            "--target-bucket",
            &target,
            "--report-bucket",
            &report,
            "--description",
            "cli test",
        ];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert_eq!(code(&out), 0, "stderr: {}", text(&out.stderr));
        json(&out)["JobId"].as_str().unwrap().to_owned()
    }

    /// The full name of `bucket` (`name-appid`).
    pub fn full(&self, bucket: &str) -> String {
        format!("{bucket}-{}", self.account.appid)
    }

    /// The ARN of `bucket`, created if it is not there.
    pub fn bucket(&self, bucket: &str) -> String {
        self.handle()
            .create_bucket(bucket, &self.account.appid)
            .unwrap();
        self.handle().bucket_arn(bucket, &self.account.appid)
    }

    /// Runs the binary and checks its exit code, with its stderr in the message.
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", text(&out.stderr));
        out
    }

    /// Waits until `job` has ended; returns its description.
    pub fn wait_ended(&self, job: &str) -> Value {
        for _ in 0..6000 {
            let doc = json(&self.ok(&["--output", "json", "describe-job", job]));
            if ["Complete", "Failed", "Cancelled"]
                .contains(&doc["Job"]["Status"].as_str().unwrap_or(""))
            {
                return doc;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("job {job} never ended");
    }

    pub fn wait_for(&self, job: &str, status: &str) -> Value {
        for _ in 0..600 {
            let out = self.run(&["--output", "json", "describe-job", job]);
            assert_eq!(code(&out), 0, "stderr: {}", text(&out.stderr));
            let doc = json(&out);
            if doc["Job"]["Status"] == status {
                return doc;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("job {job} never reached {status}");
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// Ctrl-C, as a terminal sends it, to a child process.
pub fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Interrupts `child` (Ctrl-C) and checks that it exits 130, says `said` on standard error
/// and leaves nothing in `tmp`.
pub fn interrupt_leaves_nothing(child: std::process::Child, said: &str, tmp: &Path) {
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(said), "{}", text(&out.stderr));
    assert_eq!(entries(tmp), Vec::<String>::new(), "left behind");
}

/// A directory to use as the system temporary directory (`TMPDIR`) of a command, to see what
/// it leaves there.
pub fn private_tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// What is left in a directory.
pub fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}
