//! What a new user tripped over (issue 21, section 2), each seen again as they ran it: the
//! built `cos-batch` binary against an emulator.

mod kit;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::process::Stdio;

use kit::{Fixture, bare, code, json, text};

#[test]
fn watch_on_a_failed_job_prints_its_failure_reasons() {
    let f = Fixture::start();
    let (arn, _) = f.objects("src", 2);
    let job = f.create_copy_job_of(&arn, "0123456789abcdef0123456789abcdef", &[]);
    let out = f.run(&["watch", &job, "--interval", "0.05"]);
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("job {job} ended Failed")),
        "{stdout}"
    );
    assert!(stdout.contains("ManifestETagMismatch: "), "{stdout}");
}

#[test]
fn watch_says_how_to_confirm_a_suspended_job_and_what_ctrl_c_leaves_running() {
    let f = Fixture::start();
    let job = f.create_copy_job(2, &["--confirmation-required"]);
    f.wait_for(&job, "Suspended");
    let mut child = f
        .cmd()
        .args(["watch", &job, "--interval", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains(&format!("job {job} is Suspended"))
            && line.contains(&format!("cos-batch update-job-status {job} ready")),
        "{line}"
    );
    kit::interrupt(&child);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(
        rest.contains(&format!("job {job} keeps running"))
            && rest.contains(&format!("cos-batch watch {job}")),
        "{rest}"
    );
    // It does keep running: still waiting for its confirmation.
    f.wait_for(&job, "Suspended");
}

#[test]
fn failed_tasks_of_a_complete_job_exit_7_when_asked() {
    let f = Fixture::start();
    let appid = f.account.appid.clone();
    f.objects("src", 1);
    let manifest = format!("src-{appid},data/000.txt\nsrc-{appid},data/missing.txt\n");
    let etag = f
        .handle()
        .put_object("src", &appid, "two.csv", manifest.as_bytes())
        .unwrap();
    let arn = f.handle().object_arn("src", &appid, "two.csv");
    let job = f.create_copy_job_of(&arn, &etag, &[]);
    let out = f.run(&["watch", &job, "--interval", "0.05"]);
    assert_eq!(code(&out), 0, "without the flag: {}", text(&out.stderr));
    let out = f.run(&[
        "watch",
        &job,
        "--interval",
        "0.05",
        "--fail-on-task-failures",
    ]);
    assert_eq!(code(&out), 7, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ended Complete: 1 succeeded, 1 failed, 2 total"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn help_puts_global_options_under_their_own_heading() {
    let out = bare()
        .env("COS_UIN", "100000000001")
        .env("COS_SECRET_KEY", "not-shown")
        .args(["update-job-status", "--help"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let help = text(&out.stdout);
    let global = help.find("Global options:").expect(&help);
    let own = help.find("--reason").expect(&help);
    assert!(own < global, "the command's own options come first: {help}");
    assert!(help[global..].contains("--secret-key"), "{help}");
    // Each says which variable stands in for it.
    assert!(help[global..].contains("[env: COS_UIN]"), "{help}");
    assert!(!help.contains("not-shown"), "{help}");
    // The usage line of a mistake does not list the settings the environment gives as
    // required flags.
    let out = bare()
        .env("COS_UIN", "100000000001")
        .env("COS_SECRET_KEY", "not-shown")
        .args(["create-job", "--operation", "copy"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    let usage = stderr
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .expect(&stderr);
    assert!(usage.contains("--manifest-arn"), "{usage}");
    assert!(
        !usage.contains("--uin") && !usage.contains("--secret-key"),
        "{usage}"
    );
}

#[test]
fn emulator_and_demo_refuse_the_clients_connection_flags() {
    for args in [
        &["emulator", "--uin", "100000000009"][..],
        &["demo", "--secret-key", "k"],
        &["--endpoint", "http://127.0.0.1:1", "emulator"],
    ] {
        let out = bare().args(args).output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let flag = args.iter().find(|a| a.starts_with("--")).unwrap();
        assert!(stderr.contains(&format!("does not use {flag}")), "{stderr}");
    }
    let out = bare()
        .args(["emulator", "--secret-id", "x"])
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("--account"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_environment_meant_for_other_commands_does_not_stop_the_demo() {
    let tmp = kit::private_tmp();
    let out = bare()
        .env("COS_UIN", "100000000009")
        .env("COS_SECRET_KEY", "for-the-real-service")
        .env("TMPDIR", tmp.path())
        .args(["demo", "--objects", "3", "--interval", "0.05"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("--data-dir DIR keeps"), "{stdout}");
    // Nothing left in the temporary directory.
    assert_eq!(kit::entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn an_interrupted_demo_leaves_nothing_behind() {
    let tmp = kit::private_tmp();
    let mut child = bare()
        .env("TMPDIR", tmp.path())
        .args(["demo", "--objects", "1000", "--interval", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The second line comes once the objects are written: the demo is in its stride.
    let second = lines.nth(1).unwrap().unwrap();
    assert!(second.starts_with("wrote 1000"), "{second}");
    kit::interrupt_leaves_nothing(child, "interrupted", tmp.path());
}

#[test]
fn priorities_use_the_apis_range_with_a_hint_for_minus_one() {
    let out = bare()
        .args(["update-job-priority", "j1", "-1"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("0..=2147483647") && stderr.contains("use 0 for the lowest"),
        "{stderr}"
    );
    for args in [
        &["update-job-priority", "j1", "2147483648"][..],
        &[
            "create-job",
            "--operation",
            "delete",
            "--manifest-arn",
            "a",
            "--manifest-etag",
            "e",
            "--priority",
            "4294967295",
        ],
    ] {
        let out = bare().args(args).output().unwrap();
        assert_eq!(code(&out), 2);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("0..=2147483647"), "{stderr}");
        assert!(!stderr.contains("0..=4294967295"), "{stderr}");
    }
}

#[test]
fn status_values_are_accepted_in_either_case() {
    let f = Fixture::start();
    let job = f.create_copy_job(1, &["--confirmation-required"]);
    f.wait_for(&job, "Suspended");
    let out = f.run(&["--output", "json", "list-jobs", "--status", "suspended"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(json(&out)["Jobs"][0]["JobId"], job.as_str());
    let out = f.run(&["update-job-status", &job, "Ready"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    f.wait_for(&job, "Complete");
    let out = f.run(&["--output", "json", "list-jobs", "--status", "COMPLETE"]);
    assert_eq!(json(&out)["Jobs"][0]["JobId"], job.as_str());
}

#[test]
fn sign_signs_against_the_configured_endpoint_with_the_appid() {
    let f = Fixture::start();
    let base = f.handle().base_url();
    let out = f.run(&["--output", "json", "sign", "/jobs?maxResults=1"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let signed = json(&out);
    let http_string = signed["HttpString"].as_str().unwrap();
    assert!(
        http_string.contains(&format!("x-cos-appid={}", f.account.appid)),
        "{http_string}"
    );
    // The Authorization it prints opens the door: the emulator accepts the request.
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET /jobs?maxResults=1 HTTP/1.1\r\nHost: {authority}\r\nx-cos-appid: {}\r\n\
         Authorization: {}\r\nConnection: close\r\n\r\n",
        f.account.appid,
        signed["Authorization"].as_str().unwrap()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let out = f.run(&["--output", "json", "sign", "--presign", "/jobs"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let url = json(&out)["Url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{base}/jobs?")), "{url}");

    // A full URL (a bucket's, say) needs no endpoint configuration: the keys alone sign it.
    let out = bare()
        .env("COS_UIN", "100000000001")
        .env("COS_SECRET_ID", "AKIDx")
        .env("COS_SECRET_KEY", "key")
        .args([
            "sign",
            "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/k",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("x-cos-appid"));
}

#[test]
fn a_reused_token_names_the_token_and_the_job_that_has_it() {
    let f = Fixture::start();
    let first = f.create_copy_job(1, &["--client-request-token", "nightly-2026-12-01"]);
    let (arn, etag) = f.objects("src", 1);
    let target = f.handle().bucket_arn("dst", &f.account.appid);
    let out = f.run(&[
        "create-job",
        "--operation",
        "copy",
        "--manifest-arn",
        &arn,
        "--manifest-etag",
        &etag,
        "--target-bucket",
        &target,
        "--client-request-token",
        "nightly-2026-12-01",
    ]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("`nightly-2026-12-01`"), "{stderr}");
    assert!(
        stderr.contains(&format!("by job {first}")),
        "names the existing job: {stderr}"
    );
}

/// A ListJobs endpoint whose first page holds one job and whose second page fails: what was
/// printed before the failure shows whether the pages are streamed.
fn two_pages_then_an_error() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        for page in 0..2 {
            let (mut conn, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8];
            while !head.ends_with(b"\r\n\r\n") {
                if conn.read(&mut byte).unwrap() == 0 {
                    return;
                }
                head.push(byte[0]);
            }
            let (status, body) = if page == 0 {
                (
                    "200 OK",
                    "<ListJobsResult><Jobs><member><JobId>first-page-job</JobId>\
                     <Status>Active</Status><Priority>1</Priority></member></Jobs>\
                     <NextToken>first-page-job</NextToken></ListJobsResult>",
                )
            } else {
                (
                    "400 Bad Request",
                    "<Error><Code>InvalidArgument</Code><Message>page two refused</Message>\
                     <RequestId>r2</RequestId></Error>",
                )
            };
            write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (base, server)
}

#[test]
fn list_jobs_all_prints_each_page_as_it_arrives() {
    for format in ["table", "json"] {
        let (base, server) = two_pages_then_an_error();
        let out = bare()
            .env("COS_BATCH_ENDPOINT", &base)
            .env("COS_APPID", "1250000000")
            .env("COS_SECRET_ID", "id")
            .env("COS_SECRET_KEY", "key")
            .args(["--output", format, "list-jobs", "--all"])
            .output()
            .unwrap();
        server.join().unwrap();
        assert_eq!(code(&out), 3, "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("page two refused"),
            "{}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("first-page-job"),
            "{format}: the first page was held back: {}",
            text(&out.stdout)
        );
    }
}
