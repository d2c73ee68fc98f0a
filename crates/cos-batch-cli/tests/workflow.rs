//! The workflow commands (issue 21, section 1) and the object commands, run as a user runs
//! them: the built binary against an emulator.

mod kit;

use kit::{Fixture, code, json, text};
use serde_json::Value;

fn lines(out: &std::process::Output) -> Vec<String> {
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn buckets_and_objects_are_made_put_got_and_listed() {
    let f = Fixture::start();
    let bucket = f.full("files");
    f.ok(&["mb", &format!("cos://{bucket}")]);
    let out = f.run(&["mb", &format!("cos://{bucket}")]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("BucketAlreadyExists"),
        "{}",
        text(&out.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("hello.txt");
    std::fs::write(&local, "hello, cos\n").unwrap();
    let put = json(&f.ok(&[
        "--output",
        "json",
        "put",
        local.to_str().unwrap(),
        &format!("cos://{bucket}/dir/hello world.txt"),
    ]));
    // The quoted MD5 of the file.
    assert_eq!(put["ETag"], format!("\"{}\"", md5_hex(b"hello, cos\n")));
    let back = dir.path().join("back.txt");
    f.ok(&[
        "get",
        &format!("cos://{bucket}/dir/hello world.txt"),
        back.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "hello, cos\n");
    let out = f.ok(&["get", &format!("cos://{bucket}/dir/hello world.txt")]);
    assert_eq!(text(&out.stdout), "hello, cos\n");

    let out = f.ok(&["ls", &format!("cos://{bucket}/dir/")]);
    assert!(
        text(&out.stdout).contains("dir/hello world.txt"),
        "{}",
        text(&out.stdout)
    );
    let out = f.ok(&["--output", "json", "ls", &format!("cos://{bucket}")]);
    let listed: Value = serde_json::from_str(lines(&out)[0].as_str()).unwrap();
    assert_eq!(listed["Key"], "dir/hello world.txt");
    assert_eq!(listed["Size"], 11);

    let out = f.run(&["get", &format!("cos://{bucket}/nope")]);
    assert_eq!(code(&out), 3);
    assert!(
        text(&out.stderr).contains("NoSuchKey (404)"),
        "{}",
        text(&out.stderr)
    );
    // A file is written whole or not at all: a failed GET leaves no file, empty or temporary.
    let empty = tempfile::tempdir().unwrap();
    let missing = empty.path().join("nope.txt");
    let out = f.run(&[
        "get",
        &format!("cos://{bucket}/nope"),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3);
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    let out = f.run(&["put", local.to_str().unwrap(), &format!("cos://{bucket}")]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let out = f.run(&["put", "/no/such/file", &format!("cos://{bucket}/k")]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("/no/such/file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn manifest_lists_filters_and_uploads_more_than_a_page() {
    let f = Fixture::start();
    let appid = f.account.appid.clone();
    let h = f.handle();
    // 2,600 objects: three pages of the listing. Every third under photos/ is a .jpg of
    // (i % 7) + 1 bytes; some keys need escaping.
    let mut expected = Vec::new();
    for i in 0..2600 {
        let (key, size) = if i % 3 == 0 {
            (format!("photos/{i:05} a+b.jpg"), i % 7 + 1)
        } else {
            (format!("photos/{i:05}.txt"), 3)
        };
        h.put_object("src", &appid, &key, &vec![b'x'; size])
            .unwrap();
        if key.ends_with(".jpg") && size >= 4 {
            expected.push(key);
        }
    }
    h.put_object("src", &appid, "other/x.jpg", b"xxxxxx")
        .unwrap();
    h.put_object("src", &appid, "photos/deeper/y.jpg", b"xxxxxx")
        .unwrap();
    let bucket = f.full("src");
    let to = format!("cos://{bucket}/manifests/jpg.csv");
    let out = f.ok(&[
        "--output",
        "json",
        "manifest",
        "--bucket",
        &bucket,
        "--prefix",
        "photos/",
        "--glob",
        "photos/*.jpg",
        "--min-size",
        "4",
        "--source-storage-class",
        "standard",
        "--to",
        &to,
    ]);
    let doc = json(&out);
    assert_eq!(doc["Rows"], expected.len());
    let manifest = &doc["Manifest"];
    assert_eq!(manifest["Spec"]["Format"], "COSBatchOperations_CSV_V1");
    assert_eq!(
        manifest["Spec"]["Fields"],
        serde_json::json!(["Bucket", "Key"])
    );
    assert_eq!(
        manifest["Location"]["ObjectArn"],
        format!("qcs::cos:ap-guangzhou::{bucket}/manifests/jpg.csv")
    );
    // What was uploaded: one row a key, keys URL-encoded; its ETag is the one printed.
    let got = f.ok(&["get", &to]);
    let rows = lines(&got);
    assert_eq!(rows.len(), expected.len());
    assert_eq!(rows[0], format!("{bucket},photos/00003%20a%2Bb.jpg"));
    let head = f.ok(&["--output", "json", "ls", &to]);
    let listed: Value = serde_json::from_str(&lines(&head)[0]).unwrap();
    assert_eq!(listed["ETag"], manifest["Location"]["ETag"]);

    // Nothing modified in the future: refused, nothing uploaded.
    let out = f.run(&[
        "manifest",
        "--bucket",
        &bucket,
        "--modified-after",
        "2999-01-01T00:00:00Z",
        "--to",
        &format!("cos://{bucket}/none.csv"),
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no object matched"),
        "{}",
        text(&out.stderr)
    );
    let out = f.run(&["ls", &format!("cos://{bucket}/none.csv")]);
    assert_eq!(text(&out.stdout), "");

    // From a file of keys: one a line, or CSV rows.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("keys.txt");
    std::fs::write(&plain, "a,b.txt\r\nc d\n\n").unwrap();
    let doc = json(&f.ok(&[
        "--output",
        "json",
        "manifest",
        "--keys-file",
        plain.to_str().unwrap(),
        "--bucket",
        &bucket,
        "--to",
        &format!("cos://{bucket}/k.csv"),
    ]));
    assert_eq!(doc["Rows"], 2);
    let rows = lines(&f.ok(&["get", &format!("cos://{bucket}/k.csv")]));
    assert_eq!(
        rows,
        [format!("{bucket},a%2Cb.txt"), format!("{bucket},c%20d")]
    );
    let csv = dir.path().join("keys.csv");
    std::fs::write(&csv, format!("{bucket},x.jpg\nother-1,y.txt\n")).unwrap();
    let doc = json(&f.ok(&[
        "--output",
        "json",
        "manifest",
        "--keys-file",
        csv.to_str().unwrap(),
        "--glob",
        "*.jpg",
        "--to",
        &format!("cos://{bucket}/c.csv"),
    ]));
    assert_eq!(doc["Rows"], 1);
    let out = f.run(&[
        "manifest",
        "--keys-file",
        plain.to_str().unwrap(),
        "--to",
        &to,
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
}

#[test]
fn an_interrupted_manifest_leaves_no_temporary_file() {
    // Every request takes 400 ms: the listing of three pages is still going when Ctrl-C
    // comes, with the manifest's temporary file written half-way.
    let f = Fixture::with_faults(
        cos_batch_emulator::Faults::new().with_delay(1.0, std::time::Duration::from_millis(400)),
    );
    let appid = f.account.appid.clone();
    for i in 0..2500 {
        f.handle()
            .put_object("big", &appid, &format!("k{i:05}"), b"x")
            .unwrap();
    }
    let tmp = kit::private_tmp();
    let child = f
        .cmd()
        .env("TMPDIR", tmp.path())
        .args([
            "manifest",
            "--bucket",
            &f.full("big"),
            "--to",
            &format!("cos://{}/m.csv", f.full("big")),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(
        kit::entries(tmp.path()).len(),
        1,
        "the manifest being written"
    );
    kit::interrupt_leaves_nothing(child, "interrupted while writing the manifest", tmp.path());
}

#[test]
fn create_job_uploads_its_manifest_file_and_uses_its_etag() {
    let f = Fixture::start();
    let (_, _) = f.objects("src", 3);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("m.csv");
    let src = f.full("src");
    std::fs::write(&local, format!("{src},data/000.txt\n{src},data/002.txt\n")).unwrap();
    let target = f.bucket("dst");
    let reports = f.bucket("reports");
    let job = create_from_file(
        &f,
        "copy",
        &local,
        &format!("cos://{src}/up/m.csv"),
        &["--target-bucket", &target, "--report-bucket", &reports],
    );
    let doc = f.wait_ended(&job);
    assert_eq!(doc["Job"]["Status"], "Complete");
    assert_eq!(doc["Job"]["ProgressSummary"]["NumberOfTasksSucceeded"], 2);
    assert_eq!(
        doc["Job"]["Manifest"]["Location"]["ETag"],
        format!("\"{}\"", md5_hex(&std::fs::read(&local).unwrap()))
    );
    // Without --manifest-to it is a usage error, before anything is sent.
    let out = f.run(&[
        "create-job",
        "--operation",
        "delete",
        "--manifest-file",
        local.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
}

/// A tagging job of 100,000 tasks whose report is read back: 80,000 tag one object again and
/// again (one object, so the test puts one object rather than 100,000), 10,000 name missing
/// keys (NoSuchKey) and 10,000 keys that are not UTF-8 once decoded. The failures stay under
/// half of the tasks, so the emulator runs the job to its end.
#[test]
fn report_reads_a_report_of_100000_rows() {
    let f = Fixture::start();
    let appid = f.account.appid.clone();
    f.handle().put_object("src", &appid, "obj", b"x").unwrap();
    let src = f.full("src");
    let mut manifest = String::with_capacity(100_000 * 32);
    for i in 0..100_000 {
        let key = match i % 10 {
            0 => format!("missing/{i}"),
            5 => format!("bad%FF{i}"),
            _ => "obj".to_owned(),
        };
        manifest.push_str(&format!("{src},{key}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("m.csv");
    std::fs::write(&local, manifest).unwrap();
    let reports = f.bucket("reports");
    let job = create_from_file(
        &f,
        "tagging",
        &local,
        &format!("cos://{src}/m.csv"),
        &[
            "--tag",
            "k=v",
            "--report-bucket",
            &reports,
            "--report-prefix",
            "r",
        ],
    );
    let doc = f.wait_ended(&job);
    assert_eq!(doc["Job"]["Status"], "Complete", "{doc}");

    let summary = json(&f.ok(&["--output", "json", "report", &job, "--samples", "2"]));
    assert_eq!(summary["Tasks"]["succeeded"], 80_000, "{summary}");
    assert_eq!(summary["Tasks"]["failed"], 20_000, "{summary}");
    let groups = summary["Failures"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{summary}");
    for g in groups {
        assert_eq!(g["Count"], 10_000, "{g}");
        assert_eq!(g["SampleKeys"].as_array().unwrap().len(), 2, "{g}");
    }
    let missing = groups
        .iter()
        .find(|g| g["ErrorCode"] == "NoSuchKey")
        .unwrap();
    assert_eq!(missing["HTTPStatusCode"], "404");
    assert!(
        missing["SampleKeys"][0]
            .as_str()
            .unwrap()
            .starts_with("missing/")
    );
    let table = text(&f.ok(&["report", &job]).stdout);
    assert!(
        table.contains("tasks: 100000, 20000 failed, 80000 succeeded"),
        "{table}"
    );
    assert!(table.contains("NoSuchKey"), "{table}");

    // Every failed task, as JSON Lines and as CSV.
    let jsonl = f.ok(&["--output", "json", "report", &job, "--failed"]);
    let rows = lines(&jsonl);
    assert_eq!(rows.len(), 20_000);
    let first: Value = serde_json::from_str(&rows[0]).unwrap();
    assert!(
        first["ErrorCode"].is_string() && first["Key"].is_string(),
        "{first}"
    );
    let csv = f.ok(&["report", &job, "--failed", "--format", "csv"]);
    let rows = lines(&csv);
    assert_eq!(rows.len(), 20_001);
    assert!(rows[0].starts_with("Bucket,Key,"), "{}", rows[0]);
    let table = f.ok(&["report", &job, "--failed"]);
    assert_eq!(lines(&table).len(), 20_001);
}

#[test]
fn report_of_a_running_job_or_one_without_a_report_is_refused() {
    let f = Fixture::start();
    let job = f.create_copy_job(2, &["--confirmation-required"]);
    f.wait_for(&job, "Suspended");
    let out = f.run(&["report", &job]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is Suspended"),
        "{}",
        text(&out.stderr)
    );
    let out = f.run(&["report", "no-such-job"]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
}

#[test]
fn retry_failed_reruns_the_failed_tasks_until_none_fail() {
    let f = Fixture::start();
    let appid = f.account.appid.clone();
    let src = f.full("src");
    // A copy of six objects, three of which are not there yet.
    let mut manifest = String::new();
    for i in 0..6 {
        if i % 2 == 0 {
            f.handle()
                .put_object("src", &appid, &format!("in/{i} x.txt"), b"here")
                .unwrap();
        }
        manifest.push_str(&format!("{src},in/{i}%20x.txt\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("m.csv");
    std::fs::write(&local, manifest).unwrap();
    let target = f.bucket("dst");
    let reports = f.bucket("reports");
    let job = create_from_file(
        &f,
        "copy",
        &local,
        &format!("cos://{src}/m.csv"),
        &[
            "--target-bucket",
            &target,
            "--report-bucket",
            &reports,
            "--priority",
            "42",
        ],
    );
    let doc = f.wait_ended(&job);
    assert_eq!(
        doc["Job"]["ProgressSummary"]["NumberOfTasksFailed"], 3,
        "{doc}"
    );

    // The missing objects arrive, through the CLI.
    let body = dir.path().join("body");
    std::fs::write(&body, "late").unwrap();
    for i in [1, 3, 5] {
        f.ok(&[
            "put",
            body.to_str().unwrap(),
            &format!("cos://{src}/in/{i} x.txt"),
        ]);
    }
    let retried = json(&f.ok(&["--output", "json", "retry-failed", &job]));
    assert_eq!(retried["Tasks"], 3, "{retried}");
    let new_job = retried["JobId"].as_str().unwrap().to_owned();
    assert_ne!(new_job, job);
    assert_eq!(
        retried["Manifest"],
        format!("cos://{}/job-{job}/retry-failed.csv", f.full("reports"))
    );
    let doc = f.wait_ended(&new_job);
    let j = &doc["Job"];
    assert_eq!(j["Status"], "Complete", "{doc}");
    assert_eq!(j["ProgressSummary"]["NumberOfTasksSucceeded"], 3, "{doc}");
    assert_eq!(j["ProgressSummary"]["NumberOfTasksFailed"], 0, "{doc}");
    assert_eq!(j["Priority"], 42);
    assert!(j["Operation"]["COSPutObjectCopy"].is_object(), "{doc}");
    // The copies of the late objects are there.
    let out = f.ok(&["get", &format!("cos://{}/in/3 x.txt", f.full("dst"))]);
    assert_eq!(text(&out.stdout), "late");

    // Nothing failed the second time: nothing to retry, no job.
    let again = json(&f.ok(&["--output", "json", "retry-failed", &new_job]));
    assert_eq!(again["Tasks"], 0);
    assert!(again.get("JobId").is_none(), "{again}");
}

#[test]
fn run_does_the_whole_workflow_and_its_exit_code_says_how_it_ended() {
    let f = Fixture::start();
    let (_, _) = f.objects("src", 5);
    let src = f.full("src");
    let target = f.bucket("dst");
    let reports = f.bucket("reports");
    let copy = [
        "--operation",
        "copy",
        "--target-bucket",
        &target,
        "--report-bucket",
        &reports,
        "--confirm",
        "--interval",
        "0.05",
    ];
    let out = f.run(
        &[
            &[
                "--output",
                "json",
                "run",
                "--bucket",
                &src,
                "--prefix",
                "data/",
                "--manifest-to",
                &format!("cos://{src}/run/m.csv"),
            ][..],
            &copy[..],
        ]
        .concat(),
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc = json(&out);
    assert_eq!(doc["Status"], "Complete", "{doc}");
    assert_eq!(doc["Manifest"]["Rows"], 5);
    assert_eq!(doc["Report"]["Tasks"]["succeeded"], 5, "{doc}");

    // `run` over a ready manifest file, uploaded to `run/{name}` of the source bucket.
    let run_file = |file: &std::path::Path, name: &str| {
        let to = format!("cos://{src}/run/{name}");
        let file = file.to_str().unwrap();
        f.run(
            &[
                &["run", "--manifest-file", file, "--manifest-to", &to][..],
                &copy[..],
            ]
            .concat(),
        )
    };

    // From a ready manifest naming a missing object: complete with a failed task, exit 7,
    // and the summary names the failure.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("m.csv");
    std::fs::write(&local, format!("{src},data/000.txt\n{src},data/nope.txt\n")).unwrap();
    let out = run_file(&local, "m2.csv");
    assert_eq!(code(&out), 7, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("NoSuchKey") && stdout.contains("data/nope.txt"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("confirming it (--confirm)"),
        "{}",
        text(&out.stderr)
    );

    // Over 1000 tasks, more than half of them failing: the job fails, exit 5.
    let many = dir.path().join("many.csv");
    let rows: String = (0..1100).map(|i| format!("{src},missing/{i}\n")).collect();
    std::fs::write(&many, rows).unwrap();
    let out = run_file(&many, "many.csv");
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ended Failed") || text(&out.stderr).contains("ended Failed")
    );

    // Cancelled while it waits for its confirmation (no --confirm): exit 6.
    let to = format!("cos://{src}/run/m4.csv");
    let (mut child, _stderr, job) = spawn_run(&f, &local, &to, &reports);
    f.wait_for(&job, "Suspended");
    f.ok(&["update-job-status", &job, "cancelled"]);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(6));

    // Ctrl-C while it waits: exit 130, and the job is left as it was.
    let to = format!("cos://{src}/run/m5.csv");
    let (mut child, mut stderr, job) = spawn_run(&f, &local, &to, &reports);
    f.wait_for(&job, "Suspended");
    kit::interrupt(&child);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    assert!(rest.contains(&format!("job {job} keeps running")), "{rest}");
    f.wait_for(&job, "Suspended");

    // A missing operation is a usage error, before anything is uploaded.
    let out = f.run(&[
        "run",
        "--manifest-file",
        local.to_str().unwrap(),
        "--manifest-to",
        &format!("cos://{src}/run/m3.csv"),
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
}

/// `run` of a delete job over `local` (uploaded to `to`), waiting for its confirmation, in
/// the background: the child, its standard error after the `created job` line, and the job.
fn spawn_run(
    f: &Fixture,
    local: &std::path::Path,
    to: &str,
    reports: &str,
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
    String,
) {
    let mut child = f
        .cmd()
        .args([
            "run",
            "--manifest-file",
            local.to_str().unwrap(),
            "--manifest-to",
            to,
            "--operation",
            "delete",
            "--report-bucket",
            reports,
            "--interval",
            "0.05",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let job = loop {
        let mut line = String::new();
        assert!(std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0);
        if let Some(id) = line.trim().strip_prefix("created job ") {
            break id.to_owned();
        }
    };
    (child, stderr, job)
}

/// `create-job --operation OP --manifest-file LOCAL --manifest-to TO` and `extra`; the
/// JobId.
fn create_from_file(
    f: &Fixture,
    operation: &str,
    local: &std::path::Path,
    to: &str,
    extra: &[&str],
) -> String {
    let mut args = vec![
        "--output",
        "json",
        "create-job",
        "--operation",
        operation,
        "--manifest-file",
        local.to_str().unwrap(),
        "--manifest-to",
        to,
    ];
    args.extend_from_slice(extra);
    json(&f.ok(&args))["JobId"].as_str().unwrap().to_owned()
}

fn md5_hex(bytes: &[u8]) -> String {
    // A tiny MD5 through the emulator's ETag: put the bytes, read the ETag back.
    let f = Fixture::start();
    let etag = f
        .handle()
        .put_object("md5", &f.account.appid, "x", bytes)
        .unwrap();
    etag.trim_matches('"').to_owned()
}
