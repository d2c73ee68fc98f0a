//! The built `cos-batch` binary, driven as a user would: against an emulator started in this
//! test process (and, for `emulator`, one the binary runs itself).

mod kit;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use kit::{Fixture, bare, code, json, text};
use serde_json::Value;

fn vectors() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/signature-vectors.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn sign_prints_every_intermediate_of_the_vendor_examples() {
    for v in vectors()["vectors"].as_array().unwrap() {
        let mut cmd = bare();
        cmd.env("COS_SECRET_ID", v["secret_id"].as_str().unwrap())
            .env("COS_SECRET_KEY", v["secret_key"].as_str().unwrap())
            .args([
                "--output",
                "json",
                "sign",
                "--method",
                v["method"].as_str().unwrap(),
            ])
            .args(["--key-time", v["key_time"].as_str().unwrap()])
            .arg(v["request_target"].as_str().unwrap());
        for h in v["headers"].as_array().unwrap() {
            cmd.arg("--header").arg(format!(
                "{}: {}",
                h[0].as_str().unwrap(),
                h[1].as_str().unwrap()
            ));
        }
        let out = cmd.output().unwrap();
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        let got = json(&out);
        let name = v["name"].as_str().unwrap();
        assert_eq!(got["SignKey"], v["sign_key"], "{name}");
        assert_eq!(got["HttpString"], v["http_string"], "{name}");
        assert_eq!(got["HttpStringSha1"], v["sha1_of_http_string"], "{name}");
        assert_eq!(got["StringToSign"], v["string_to_sign"], "{name}");
        assert_eq!(got["Signature"], v["signature"], "{name}");
        assert_eq!(got["Authorization"], v["authorization"], "{name}");
    }
}

#[test]
fn sign_as_a_table_and_as_a_presigned_url() {
    let v = &vectors()["vectors"][1];
    let out = bare()
        .env("COS_SECRET_ID", v["secret_id"].as_str().unwrap())
        .env("COS_SECRET_KEY", v["secret_key"].as_str().unwrap())
        .args([
            "sign",
            "--key-time",
            v["key_time"].as_str().unwrap(),
            "--presign",
        ])
        .arg(format!(
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com{}",
            v["request_target"].as_str().unwrap()
        ))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Url"))
        .unwrap()
        .trim();
    assert!(
        url.starts_with(
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject"
        ),
        "{url}"
    );
    assert!(
        url.contains("q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"),
        "{url}"
    );
    assert!(
        stdout.contains("StringToSign    sha1\\n1557989753;1557996953\\n"),
        "{stdout}"
    );
}

#[test]
fn missing_configuration_is_a_usage_error_naming_what_is_missing() {
    let out = bare().args(["describe-job", "j1"]).output().unwrap();
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    for name in ["COS_APPID", "COS_UIN", "COS_REGION"] {
        assert!(stderr.contains(name), "{stderr}");
    }
    // Half a key is missing its other half.
    let out = bare()
        .env("COS_SECRET_ID", "AKIDx")
        .args(["describe-job", "j1"])
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("COS_SECRET_KEY"),
        "{}",
        text(&out.stderr)
    );
    let out = bare().args(["sign", "/"]).output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("COS_SECRET_KEY"));
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = bare()
        .args(["update-job-priority", "j1", "-5"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let out = bare().args(["no-such-command"]).output().unwrap();
    assert_eq!(code(&out), 2);
}

#[test]
fn a_transport_failure_exits_4() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bare()
        .env("COS_BATCH_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env("COS_APPID", "1250000000")
        .env("COS_SECRET_ID", "id")
        .env("COS_SECRET_KEY", "key")
        .args(["describe-job", "j1"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "stderr: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: transport"), "{stderr}");
    // It names the endpoint it tried.
    assert!(
        stderr.contains(&format!("cannot reach http://127.0.0.1:{port}")),
        "{stderr}"
    );
}

#[test]
fn the_job_lifecycle_through_every_subcommand() {
    let f = Fixture::start();
    let job = f.create_copy_job(5, &["--confirmation-required", "--priority", "7"]);
    let described = f.wait_for(&job, "Suspended");
    assert_eq!(described["Job"]["Priority"], 7);
    assert_eq!(described["Job"]["Description"], "cli test");

    // table output
    let out = f.run(&["describe-job", &job]);
    assert_eq!(code(&out), 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("JobId ") && stdout.contains(&job),
        "{stdout}"
    );
    assert!(stdout.contains("Suspended"), "{stdout}");

    let out = f.run(&["--output", "json", "update-job-priority", &job, "42"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(json(&out)["Priority"], 42);

    let out = f.run(&["--output", "json", "list-jobs", "--status", "Suspended"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let jobs = json(&out)["Jobs"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["JobId"], job.as_str());
    let out = f.run(&["list-jobs"]);
    assert!(
        text(&out.stdout).starts_with("JOB ID"),
        "{}",
        text(&out.stdout)
    );

    let out = f.run(&[
        "--output",
        "json",
        "update-job-status",
        &job,
        "ready",
        "--reason",
        "go",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(json(&out)["JobId"], job.as_str());

    let out = f.run(&["--output", "json", "watch", &job, "--interval", "0.05"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let done = json(&out);
    assert_eq!(done["Job"]["Status"], "Complete");
    assert_eq!(done["Job"]["ProgressSummary"]["NumberOfTasksSucceeded"], 5);

    let out = f.run(&["--output", "json", "delete-job", &job]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(json(&out)["Deleted"], true);

    // the deleted job is gone: a service error, with code and request id on stderr
    let out = f.run(&["describe-job", &job]);
    assert_eq!(code(&out), 3);
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: NoSuchJob (404)"), "{stderr}");
    assert!(stderr.contains("[request id "), "{stderr}");
    let out = f.run(&["--output", "json", "describe-job", &job]);
    assert_eq!(code(&out), 3);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["Error"]["Code"], "NoSuchJob");
    assert!(err["Error"]["RequestId"].is_string());
}

#[test]
fn watch_exits_6_for_a_cancelled_job() {
    let f = Fixture::start();
    let job = f.create_copy_job(3, &["--confirmation-required"]);
    f.wait_for(&job, "Suspended");
    let out = f.run(&["update-job-status", &job, "cancelled"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = f.run(&["watch", &job, "--interval", "0.05"]);
    assert_eq!(code(&out), 6, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ended Cancelled"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn list_jobs_all_follows_pages() {
    let f = Fixture::start();
    let ids: Vec<String> = (0..3)
        .map(|_| f.create_copy_job(1, &["--confirmation-required"]))
        .collect();
    let out = f.run(&["--output", "json", "list-jobs", "--max-results", "1"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let page = json(&out);
    assert_eq!(page["Jobs"].as_array().unwrap().len(), 1);
    assert!(page["NextToken"].is_string());
    let out = f.run(&[
        "--output",
        "json",
        "list-jobs",
        "--max-results",
        "1",
        "--all",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let all: Vec<String> = json(&out)["Jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["JobId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all, ids);
    let out = f.run(&["list-jobs", "--status", "Bogus"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn create_job_from_xml_and_json_files() {
    let f = Fixture::start();
    let (arn, etag) = f.objects("files", 2);
    let xml = format!(
        "<CreateJobRequest><ClientRequestToken>file-token-1</ClientRequestToken>\
         <ConfirmationRequired>true</ConfirmationRequired>\
         <Manifest><Location><ETag>{etag}</ETag><ObjectArn>{arn}</ObjectArn></Location>\
         <Spec><Fields><member>Bucket</member><member>Key</member></Fields><Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest>\
         <Operation><COSPutObjectTagging><TagSet><COSTag><Key>k</Key><Value>v</Value></COSTag></TagSet></COSPutObjectTagging></Operation>\
         <Priority>4</Priority>\
         <Report><Bucket>{}</Bucket><Enabled>false</Enabled><Format>Report_CSV_V1</Format><ReportScope>AllTasks</ReportScope></Report>\
         <RoleArn>qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole</RoleArn></CreateJobRequest>",
        f.handle().bucket_arn("files", &f.account.appid)
    );
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("job.xml");
    std::fs::write(&xml_path, &xml).unwrap();
    let out = f.run(&[
        "--output",
        "json",
        "create-job",
        "--file",
        xml_path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let from_xml = json(&out)["JobId"].as_str().unwrap().to_owned();
    let described = f.wait_for(&from_xml, "Suspended");
    assert_eq!(described["Job"]["ClientRequestToken"], "file-token-1");
    assert_eq!(described["Job"]["Priority"], 4);

    // the same request as JSON, with another token
    let request = <cos_batch_model::CreateJobRequest as cos_batch_model::XmlDocument>::from_xml(
        xml.as_bytes(),
    )
    .unwrap();
    let mut doc: Value = serde_json::to_value(request).unwrap();
    doc["ClientRequestToken"] = "file-token-2".into();
    let json_path = dir.path().join("job.json");
    std::fs::write(&json_path, doc.to_string()).unwrap();
    let out = f.run(&[
        "--output",
        "json",
        "create-job",
        "--file",
        json_path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_ne!(json(&out)["JobId"].as_str().unwrap(), from_xml);

    // a broken document is a usage error; nothing is sent
    std::fs::write(&json_path, "<CreateJobRequest><Priority>x").unwrap();
    let out = f.run(&["create-job", "--file", json_path.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    // an invalid request (reason too long) is caught before sending
    let long = "r".repeat(300);
    let out = f.run(&[
        "update-job-status",
        &from_xml,
        "cancelled",
        "--reason",
        &long,
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
}

#[test]
fn demo_runs_a_job_to_completion() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare()
        .args([
            "--output",
            "json",
            "demo",
            "--objects",
            "12",
            "--interval",
            "0.05",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "stderr: {}", text(&out.stderr));
    let outcome = json(&out);
    assert_eq!(outcome["Status"], "Complete");
    assert_eq!(outcome["Succeeded"], 12);
    assert_eq!(outcome["Failed"], 0);
    assert_eq!(outcome["Total"], 12);
    assert_eq!(outcome["CopiedObjects"], 12);
    assert_eq!(outcome["ReportSucceeded"], 12);
    // Read through GET Object: a COS URL, not a path.
    let manifest = outcome["ReportManifest"].as_str().unwrap();
    assert!(
        manifest.starts_with("cos://demo-reports-1250000000/reports/job-")
            && manifest.ends_with("/manifest.json"),
        "{manifest}"
    );
    assert!(
        outcome["ReportFiles"][0]
            .as_str()
            .unwrap()
            .ends_with("/results/succeeded.csv"),
        "{outcome}"
    );
}

#[test]
fn emulator_subcommand_serves_until_interrupted() {
    // No --bind: the documented fixed port. No --data-dir: a temporary directory, removed
    // when it stops.
    let tmp = kit::private_tmp();
    let mut child = bare()
        .arg("emulator")
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut env = Vec::new();
    let mut banner = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(assignment) = line.strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').unwrap();
            env.push((name.to_owned(), value.to_owned()));
        }
        if line.starts_with("Ctrl-C") {
            break;
        }
        banner.push(line);
    }
    assert_eq!(env.len(), 5, "{env:?}");
    assert!(
        env.contains(&(
            "COS_BATCH_ENDPOINT".to_owned(),
            "http://127.0.0.1:9797".to_owned()
        )),
        "{env:?}"
    );
    assert_eq!(kit::entries(tmp.path()).len(), 1, "the data directory");
    let out = bare()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(["--output", "json", "list-jobs"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(json(&out)["Jobs"].is_array() || json(&out).get("Jobs").is_none());
    // The banner's commands work as printed: a bucket made, a file put and listed.
    let run_line = |line: &str| {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        bare()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(tmp.path())
            .args(words)
            .output()
            .unwrap()
    };
    std::fs::write(tmp.path().join("photo.jpg"), "jpeg").unwrap();
    for prefix in ["cos-batch mb ", "cos-batch put ", "cos-batch ls "] {
        let line = banner.iter().find(|l| l.starts_with(prefix)).unwrap();
        let out = run_line(line);
        assert_eq!(code(&out), 0, "{line}: {}", text(&out.stderr));
        if prefix == "cos-batch ls " {
            assert!(
                text(&out.stdout).contains("photos/photo.jpg"),
                "{}",
                text(&out.stdout)
            );
        }
    }
    std::fs::remove_file(tmp.path().join("photo.jpg")).unwrap();
    // Ctrl-C stops it cleanly
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        kit::entries(tmp.path()),
        Vec::<String>::new(),
        "left behind"
    );
}

#[test]
fn create_job_is_strict_with_what_a_person_writes() {
    let f = Fixture::start();
    let (arn, etag) = f.objects("strict", 1);
    let appid = f.account.appid.clone();
    f.handle().create_bucket("dst", &appid).unwrap();
    let target = f.handle().bucket_arn("dst", &appid);
    let base = [
        "create-job",
        "--operation",
        "copy",
        "--manifest-arn",
        &arn,
        "--manifest-etag",
        &etag,
        "--target-bucket",
        &target,
    ];

    // Enum flags refuse values the API does not document; nothing is sent.
    for (flag, value) in [
        ("--storage-class", "COLD"),
        ("--job-tier", "Fast"),
        ("--manifest-format", "Parquet"),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value]);
        let out = f.run(&args);
        assert_eq!(code(&out), 2, "{flag}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(value), "{}", text(&out.stderr));
    }

    // A misspelt field of a file is refused with its path and the known name.
    let xml = format!(
        "<CreateJobRequest><ClientRequestToken>strict-1</ClientRequestToken>\
         <ConfirmRequired>true</ConfirmRequired>\
         <Manifest><Location><ETag>{etag}</ETag><ObjectArn>{arn}</ObjectArn></Location>\
         <Spec><Fields><member>Bucket</member><member>Key</member></Fields>\
         <Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest>\
         <Operation><COSDeleteObject/></Operation><Priority>1</Priority>\
         <Report><Bucket></Bucket><Enabled>false</Enabled><Format></Format><ReportScope></ReportScope></Report>\
         <RoleArn>qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole</RoleArn></CreateJobRequest>"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.xml");
    std::fs::write(&path, &xml).unwrap();
    let out = f.run(&["create-job", "--file", path.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "CreateJobRequest/ConfirmRequired: unknown field; did you mean ConfirmationRequired?"
        ),
        "{}",
        text(&out.stderr)
    );
    let out = f.run(&["--output", "json", "list-jobs"]);
    assert!(
        json(&out)["Jobs"].as_array().unwrap().is_empty(),
        "nothing was sent"
    );
    // Spelt right, the Go SDK's disabled report is fine and the job waits for confirmation.
    std::fs::write(
        &path,
        xml.replace("ConfirmRequired", "ConfirmationRequired"),
    )
    .unwrap();
    let out = f.run(&[
        "--output",
        "json",
        "create-job",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let waiting = json(&out)["JobId"].as_str().unwrap().to_owned();
    f.wait_for(&waiting, "Suspended");

    // Without --report-bucket: a job with its report disabled.
    let mut args = vec!["--output", "json"];
    args.extend(base);
    let out = f.run(&args);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let job = json(&out)["JobId"].as_str().unwrap().to_owned();
    let done = f.wait_for(&job, "Complete");
    assert_eq!(done["Job"]["Report"]["Enabled"], false);

    // A job that has ended: the CLI says so.
    let out = f.run(&["update-job-status", &job, "cancelled"]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("InvalidRequest (400)"), "{stderr}");
    assert!(stderr.contains("the job has ended"), "{stderr}");
}

#[test]
fn whoami_names_the_keys_source_and_never_the_secret() {
    let out = bare()
        .args([
            "whoami",
            "--secret-id",
            "AKIDflag",
            "--secret-key",
            "flag-secret-key",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("AKIDflag") && shown.contains("flags"),
        "{shown}"
    );
    assert!(shown.contains("never"), "{shown}");
    assert!(!shown.contains("flag-secret-key"), "{shown}");

    // No key by flag: the chain finds Tencent Cloud's variables.
    let out = bare()
        .env("TENCENTCLOUD_SECRET_ID", "AKIDtencentcloud")
        .env("TENCENTCLOUD_SECRET_KEY", "tc-secret-key")
        .env("TENCENTCLOUD_TOKEN", "tc-session-token")
        .args(["--output", "json", "whoami"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc = json(&out);
    assert_eq!(doc["SecretId"], "AKIDtencentcloud");
    assert_eq!(doc["Source"], "environment (TENCENTCLOUD_SECRET_ID)");
    assert_eq!(doc["Temporary"], true);
    let shown = text(&out.stdout);
    assert!(!shown.contains("tc-secret-key") && !shown.contains("tc-session-token"));

    // ... or the tccli profile in the home directory.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".tccli")).unwrap();
    std::fs::write(
        home.path().join(".tccli/work.credential"),
        r#"{"secretId": "AKIDtccli", "secretKey": "tccli-secret-key"}"#,
    )
    .unwrap();
    let out = bare()
        .env("HOME", home.path())
        .env("TCCLI_PROFILE", "work")
        .args(["whoami"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("AKIDtccli"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn whoami_with_half_a_key_pair_names_the_missing_variable() {
    let out = bare()
        .env("TENCENTCLOUD_SECRET_ID", "AKIDhalf")
        .args(["whoami"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("TENCENTCLOUD_SECRET_KEY"), "{stderr}");
}

#[test]
fn api_calls_sign_with_the_chains_keys_when_none_is_given() {
    let fixture = Fixture::start();
    let account = &fixture.account;
    let out = bare()
        .env("COS_BATCH_ENDPOINT", fixture.handle().base_url())
        .env("COS_APPID", &account.appid)
        .env("TENCENTCLOUD_SECRET_ID", &account.secret_id)
        .env("TENCENTCLOUD_SECRET_KEY", account.secret_key())
        .args(["list-jobs"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn untrusted_text_reaches_the_terminal_escaped() {
    let f = Fixture::start();
    let evil = "evil\u{1b}[2J\u{7}\u{9b}31m\u{202e}txt";
    let job = f.create_copy_job(1, &["--confirmation-required"]);
    f.wait_for(&job, "Suspended");
    let out = f.run(&["update-job-status", &job, "cancelled", "--reason", evil]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let raw = |bytes: &[u8]| {
        let shown = text(bytes);
        assert!(
            !shown
                .chars()
                .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}'),
            "{shown:?}"
        );
        shown
    };
    let out = f.run(&["describe-job", &job]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let shown = raw(&out.stdout);
    // C0 controls cannot travel in XML (the service replaces them); C1 and bidi ones can.
    assert!(
        shown.contains("evil\u{fffd}[2J\u{fffd}\\u009b31m\\u202etxt"),
        "{shown}"
    );
    // JSON stays JSON, with the text as the service gave it.
    let out = f.run(&["--output", "json", "describe-job", &job]);
    raw(&out.stdout);
    assert_eq!(
        json(&out)["Job"]["StatusUpdateReason"],
        evil.replace(['\u{1b}', '\u{7}'], "\u{fffd}")
    );
    // An error that echoes untrusted text.
    let out = f.run(&["describe-job", "no\u{1b}]0;pwned\u{7}such"]);
    assert_ne!(code(&out), 0);
    raw(&out.stderr);
    let out = f.run(&["--output", "json", "describe-job", "no\u{1b}such"]);
    raw(&out.stderr);
}

#[test]
fn emulator_serves_several_accounts_with_keys_outside_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let key_b = dir.path().join("key-b");
    std::fs::write(&key_b, "secret-of-b\n").unwrap();
    let accounts = dir.path().join("accounts");
    std::fs::write(
        &accounts,
        format!(
            "# the second account\n100000000002:1250000001:AKIDSECONDB:@file:{}\n",
            key_b.display()
        ),
    )
    .unwrap();
    let mut child = bare()
        .args(["emulator", "--data-dir"])
        .arg(dir.path().join("data"))
        .args(["--bind", "127.0.0.1:0"])
        .args([
            "--account",
            "100000000001:1250000000:AKIDFIRSTA:@env:EMULATOR_KEY_A",
        ])
        .arg("--accounts-file")
        .arg(&accounts)
        .env("EMULATOR_KEY_A", "secret-of-a")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut endpoint = None;
    let mut shown = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("export COS_BATCH_ENDPOINT=") {
            endpoint = Some(url.to_owned());
        }
        shown.push_str(&line);
        shown.push('\n');
        if line.starts_with("Ctrl-C") {
            break;
        }
    }
    let endpoint = endpoint.expect(&shown);
    assert!(
        !shown.contains("secret-of"),
        "a configured key was printed: {shown}"
    );
    assert!(shown.contains("1250000001"), "{shown}");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
    assert!(!text(&cmdline).contains("secret-of"));
    for (uin, appid, id, key) in [
        ("100000000001", "1250000000", "AKIDFIRSTA", "secret-of-a"),
        ("100000000002", "1250000001", "AKIDSECONDB", "secret-of-b"),
    ] {
        let out = bare()
            .env("COS_BATCH_ENDPOINT", &endpoint)
            .env("COS_UIN", uin)
            .env("COS_APPID", appid)
            .env("COS_SECRET_ID", id)
            .env("COS_SECRET_KEY", key)
            .args(["--output", "json", "list-jobs"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{appid}: {}", text(&out.stderr));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
