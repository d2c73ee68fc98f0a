//! The emulator at scale, on tmpfs (`/dev/shm`, or `$COS_SCALE_DIR`), with the emulator in a
//! separate process (this binary again, `--serve`), printing:
//!
//! - the floor: `std::fs::copy` of the source objects (4 KiB each) in as many threads as the
//!   emulator has workers, in objects per second;
//! - a COSPutObjectCopy job of the same objects (100,000 by default) in objects per second
//!   (CreateJob to `Complete`) and as a share of the floor (goal: at least 50 %);
//! - syscalls per copied object: `strace -c -f` attached to the emulator process over a copy
//!   job of `$COS_SCALE_STRACE_OBJECTS` (10,000 by default) objects, all its syscalls divided by
//!   the job's tasks (goal: at most 12; skipped when `strace` is missing);
//! - the emulator process's idle `VmRSS` and its `VmHWM` (peak) after a job of 1,000,000 copy
//!   tasks (the objects listed ten times) with a report (goal: at most 64 MiB above idle).
//!
//! `cargo bench -p cos-batch-emulator --bench scale` (`COS_SCALE_OBJECTS=N` to change the
//! object count, `COS_SCALE_TASKS=N` the large job's tasks, `COS_SCALE_PERF=FILE` to record a
//! `perf` profile of the emulator over the copy job).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cos_batch_emulator::test_util::{TestClient, encode_key, put_manifest};
use cos_batch_emulator::{Account, Config, DEFAULT_WORKERS, Emulator};
use cos_batch_model::*;

const SIZE: usize = 4096;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        serve(Path::new(&args[2]), args[3].parse().unwrap());
        return;
    }
    let objects = env_count("COS_SCALE_OBJECTS", 100_000);
    let strace_objects = env_count("COS_SCALE_STRACE_OBJECTS", 10_000).min(objects);
    let big_tasks = env_count("COS_SCALE_TASKS", 1_000_000);
    let workers = DEFAULT_WORKERS;
    let root = std::env::var_os("COS_SCALE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/dev/shm"))
        .join(format!("cos-batch-scale-{}", std::process::id()));
    let data = root.join("data");
    println!(
        "scale: {} ({}), {objects} objects of {SIZE} B, {workers} workers / threads",
        root.display(),
        file_system(&root)
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let account = Account::demo();
    let appid = account.appid.clone();
    let src = format!("src-{appid}");
    let keys: Vec<String> = (0..objects).map(|i| format!("obj/{i:07}")).collect();

    // Setup, in this process: the objects, the manifests and the buckets.
    let started = Instant::now();
    let (sources, manifests) = runtime.block_on(async {
        let handle = Emulator::start(Config::new(&data)).await.unwrap();
        let payload = vec![0x5a_u8; SIZE];
        for k in &keys {
            handle.put_object("src", &appid, k, &payload).unwrap();
        }
        let rows = |n: usize| -> String {
            (0..n)
                .map(|i| format!("{src},{}\n", encode_key(&keys[i % keys.len()])))
                .collect()
        };
        let mut manifests = Vec::new();
        for (name, n) in [
            ("all.csv", objects),
            ("strace.csv", strace_objects),
            ("large.csv", big_tasks),
        ] {
            let m = put_manifest(&handle, "src", &appid, name, rows(n).as_bytes()).unwrap();
            manifests.push(m);
        }
        for bucket in ["dst", "dst-strace", "dst-large", "reports"] {
            handle.create_bucket(bucket, &appid).unwrap();
        }
        let sources: Vec<PathBuf> = keys
            .iter()
            .map(|k| handle.object_path("src", &appid, k).unwrap())
            .collect();
        handle.shutdown().await;
        (sources, manifests)
    });
    println!("setup: {:.1} s", started.elapsed().as_secs_f64());

    // The floor: the same files copied with std::fs::copy in `workers` threads.
    let floor_dir = root.join("floor");
    for i in 0..workers {
        std::fs::create_dir_all(floor_dir.join(i.to_string())).unwrap();
    }
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..workers {
            let (sources, floor_dir) = (&sources, &floor_dir);
            s.spawn(move || {
                for (i, from) in sources.iter().enumerate().skip(t).step_by(workers) {
                    std::fs::copy(from, floor_dir.join(t.to_string()).join(i.to_string())).unwrap();
                }
            });
        }
    });
    let floor_rate = objects as f64 / started.elapsed().as_secs_f64();
    println!("floor: std::fs::copy in {workers} threads: {floor_rate:.0} objects/s");

    let [all, strace_manifest, large] = <[Manifest; 3]>::try_from(manifests).unwrap();
    let copy = |bucket: &str| {
        Operation::PutObjectCopy(PutObjectCopy::new(format!(
            "qcs::cos:ap-guangzhou:uid/{appid}:{bucket}"
        )))
    };
    let no_report = Report::new(
        format!("qcs::cos:ap-guangzhou:uid/{appid}:reports"),
        false,
        ReportScope::AllTasks,
    );

    // The copy job, timed from CreateJob to Complete.
    let server = Server::start(&data, workers);
    let client = server.client(&account);
    let request = job("all", all, copy("dst"), no_report.clone());
    // `COS_SCALE_PERF=FILE`: a `perf record` profile of the emulator over this job.
    let perf = std::env::var_os("COS_SCALE_PERF").and_then(|out| {
        let child = Command::new("perf")
            .args(["record", "-F", "499", "-g", "-o"])
            .arg(out)
            .args(["-p", &server.pid().to_string()])
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        std::thread::sleep(Duration::from_secs(1));
        Some(child)
    });
    let started = Instant::now();
    let done = runtime.block_on(run_job(&client, &request, Duration::from_millis(2)));
    let rate = objects as f64 / started.elapsed().as_secs_f64();
    if let Some(mut perf) = perf {
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    check_complete(&done, objects);
    println!(
        "emulator: COSPutObjectCopy job of {objects} objects: {rate:.0} objects/s = {:.0} % of \
         the floor (goal >= 50 %)",
        100.0 * rate / floor_rate
    );

    // Syscalls per copied object.
    match Strace::attach(server.pid(), &root.join("strace.txt")) {
        Some(strace) => {
            let request = job(
                "strace",
                strace_manifest,
                copy("dst-strace"),
                no_report.clone(),
            );
            let done = runtime.block_on(run_job(&client, &request, Duration::from_millis(100)));
            check_complete(&done, strace_objects);
            let (total, top) = strace.finish();
            println!(
                "syscalls: {total} over a copy job of {strace_objects} objects = {:.1} per \
                 object (goal <= 12); most frequent: {top}",
                total as f64 / strace_objects as f64
            );
        }
        None => println!("syscalls: not measured (strace cannot be run)"),
    }
    server.stop();

    // Peak RSS of a new emulator process over a job of `big_tasks` tasks, with a report.
    let server = Server::start(&data, workers);
    let client = server.client(&account);
    std::thread::sleep(Duration::from_millis(500));
    let idle = server.status_kib("VmRSS");
    let report = Report::new(
        format!("qcs::cos:ap-guangzhou:uid/{appid}:reports"),
        true,
        ReportScope::AllTasks,
    );
    let request = job("large", large, copy("dst-large"), report);
    let started = Instant::now();
    let done = runtime.block_on(run_job(&client, &request, Duration::from_millis(100)));
    let seconds = started.elapsed().as_secs_f64();
    check_complete(&done, big_tasks);
    let peak = server.status_kib("VmHWM");
    println!(
        "memory: emulator process idle VmRSS {:.1} MiB, peak VmHWM {:.1} MiB over a job of \
         {big_tasks} copy tasks with a report ({:.0} tasks/s): {:.1} MiB above idle (goal <= 64 MiB)",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        big_tasks as f64 / seconds,
        (peak.saturating_sub(idle)) as f64 / 1024.0
    );
    server.stop();
    let _ = std::fs::remove_dir_all(&root);
}

fn job(token: &str, manifest: Manifest, operation: Operation, report: Report) -> CreateJobRequest {
    CreateJobRequest::new(
        token,
        manifest,
        operation,
        1,
        report,
        "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
    )
}

async fn run_job(client: &TestClient, request: &CreateJobRequest, poll: Duration) -> Job {
    let id = client.create(request).await.unwrap();
    loop {
        let job = client.describe(&id).await.unwrap();
        if job.status.as_ref().is_some_and(JobStatus::is_terminal) {
            return job;
        }
        tokio::time::sleep(poll).await;
    }
}

fn check_complete(job: &Job, tasks: usize) {
    let p = job.progress_summary.unwrap();
    assert_eq!(job.status, Some(JobStatus::Complete), "{job:?}");
    assert_eq!(p.number_of_tasks_succeeded, Some(tasks as u64), "{job:?}");
}

/// The file system type of `dir`'s nearest existing ancestor (from `/proc/mounts`).
fn file_system(dir: &Path) -> String {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut best = ("", "unknown");
    for line in mounts.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() > 2 && dir.starts_with(f[1]) && f[1].len() >= best.0.len() {
            best = (f[1], f[2]);
        }
    }
    best.1.to_owned()
}

/// The emulator in another process: this binary with `--serve`.
struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start(data: &Path, workers: usize) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--serve")
            .arg(data)
            .arg(workers.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base_url = line.trim().to_owned();
        assert!(base_url.starts_with("http://"), "{line:?}");
        Self { child, base_url }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn client(&self, account: &Account) -> TestClient {
        TestClient::with_base_url(&self.base_url, account).unwrap()
    }

    /// A `/proc/{pid}/status` figure in KiB.
    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    /// Closes its stdin (it shuts down) and waits for it.
    fn stop(mut self) {
        drop(self.child.stdin.take());
        self.child.wait().unwrap();
    }
}

/// The `--serve` side: an emulator on `data` until stdin closes; its base URL on stdout.
fn serve(data: &Path, workers: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let handle = Emulator::start(Config::new(data).with_workers(workers))
            .await
            .unwrap();
        let mut out = std::io::stdout();
        writeln!(out, "{}", handle.base_url()).unwrap();
        out.flush().unwrap();
        tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()))
            .await
            .unwrap()
            .unwrap();
        handle.shutdown().await;
    });
}

/// `strace -c -f` attached to a process.
struct Strace {
    child: Child,
    out: PathBuf,
}

impl Strace {
    fn attach(pid: u32, out: &Path) -> Option<Self> {
        let child = Command::new("strace")
            .args(["-c", "-f", "-o"])
            .arg(out)
            .args(["-p", &pid.to_string()])
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Let it attach to every thread.
        std::thread::sleep(Duration::from_secs(1));
        Some(Self {
            child,
            out: out.to_owned(),
        })
    }

    /// Detaches; all syscalls counted, and the most frequent ones.
    fn finish(mut self) -> (u64, String) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        // Columns: % time, seconds, usecs/call, calls, [errors,] syscall.
        let mut rows: Vec<(u64, String)> = Vec::new();
        let mut total = 0;
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 5 || f[0].starts_with('%') || f[0].starts_with('-') {
                continue;
            }
            let Ok(calls) = f[3].parse::<u64>() else {
                continue;
            };
            let name = f[f.len() - 1].to_owned();
            if name == "total" {
                total = calls;
            } else {
                rows.push((calls, name));
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.0));
        let top: Vec<String> = rows
            .iter()
            .take(8)
            .map(|(calls, name)| format!("{name} {calls}"))
            .collect();
        (total, top.join(", "))
    }
}
