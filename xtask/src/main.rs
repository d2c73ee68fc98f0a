//! Project automation, run as `cargo xtask <command>`.
//!
//! - `cargo xtask ci [--fuzz-seconds N]`: everything CI checks, in order: formatting, clippy,
//!   tests, docs, `package`, `msrv`, `embedding`, the README's demo command (with a small object count), and
//!   a fuzz smoke run of every fuzz target (needs a nightly toolchain; skipped, with a message,
//!   without one).
//! - `cargo xtask package`: every published crate has its crates.io metadata, and
//!   `cargo package` verifies them all.
//! - `cargo xtask msrv`: the offline checks of `rust-version` (see `msrv.rs`).
//! - `cargo xtask embedding`: the crates embedders take alone stay lean (see `embedding.rs`).
//! - `cargo xtask fuzz [TARGET] [--seconds N]`: fuzz one target, or every target in turn.
//! - `cargo xtask bench [ARGS...]`: the criterion benches of the workspace (extra arguments go to
//!   the bench binaries, e.g. a filter).
#![forbid(unsafe_code)]

mod embedding;
mod metadata;
mod msrv;
mod package;
mod process;

use std::process::ExitCode;
use std::time::Instant;

use metadata::Metadata;
use process::{run, succeeds, workspace_root};

/// Seconds each fuzz target runs for in `ci` and `fuzz` unless told otherwise.
const DEFAULT_FUZZ_SECONDS: u64 = 20;
/// Environment variable that overrides [`DEFAULT_FUZZ_SECONDS`].
const FUZZ_SECONDS_ENV: &str = "COS_FUZZ_SECONDS";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci [--fuzz-seconds N]        fmt, clippy, tests, docs, package, msrv, embedding, the README
                               demo, then a
                               fuzz smoke run (N s per target; 0 skips it)
  package                      check every published crate's metadata, then cargo package them
  msrv                         check rust-version offline: dependencies' rust-version, and
                               clippy's incompatible_msrv
  embedding                    cos-sign and cos-batch-model build without tokio or hyper;
                               cos-credentials --no-default-features without hyper or tower
  fuzz [TARGET] [--seconds N]  fuzz TARGET (or every target in turn) for N seconds each
  bench [ARGS...]              run the criterion benches; ARGS go to the bench binaries

The fuzz time defaults to 20 s, or to $COS_FUZZ_SECONDS when that is set.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => parse_seconds(&args[1..], "--fuzz-seconds").and_then(|(secs, rest)| {
            no_extra(&rest)?;
            ci(secs)
        }),
        Some("fuzz") => parse_seconds(&args[1..], "--seconds").and_then(|(secs, rest)| {
            if rest.len() > 1 {
                return Err(format!("fuzz takes at most one target, got {rest:?}"));
            }
            fuzz(rest.first().map(String::as_str), secs)
        }),
        Some("package") => no_extra(&args[1..]).and_then(|()| package::package(&Metadata::load()?)),
        Some("msrv") => no_extra(&args[1..]).and_then(|()| msrv::msrv(&Metadata::load()?)),
        Some("embedding") => no_extra(&args[1..]).and_then(|()| embedding::embedding()),
        Some("bench") => bench(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Takes `flag N` out of `args`; the default comes from the environment or the constant.
fn parse_seconds(args: &[String], flag: &str) -> Result<(u64, Vec<String>), String> {
    let mut seconds = match std::env::var(FUZZ_SECONDS_ENV) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{FUZZ_SECONDS_ENV}={v:?} is not a whole number of seconds"))?,
        Err(_) => DEFAULT_FUZZ_SECONDS,
    };
    let mut rest = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == flag {
            let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
            seconds = value
                .parse()
                .map_err(|_| format!("{flag} {value:?} is not a whole number of seconds"))?;
        } else {
            rest.push(arg.clone());
        }
    }
    Ok((seconds, rest))
}

fn no_extra(rest: &[String]) -> Result<(), String> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!("unexpected arguments {rest:?}\n\n{USAGE}"))
    }
}

fn ci(fuzz_seconds: u64) -> Result<(), String> {
    let start = Instant::now();
    ensure_components()?;
    run("cargo", &["fmt", "--all", "--check"], &[])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    run("cargo", &["test", "--workspace"], &[])?;
    run(
        "cargo",
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    let metadata = Metadata::load()?;
    package::package(&metadata)?;
    msrv::msrv(&metadata)?;
    embedding::embedding()?;
    readme_commands()?;
    fuzz_smoke(fuzz_seconds)?;
    println!("\nxtask ci: all steps passed in {:.1?}", start.elapsed());
    Ok(())
}

/// Objects the README's demo command gets in CI, to keep the run short.
const CI_DEMO_OBJECTS: &str = "25";

/// Runs the README's quick-start commands so the README cannot rot: the demo command exactly as
/// written there (with a small `--objects`), and a check that the test command it names is this
/// one.
fn readme_commands() -> Result<(), String> {
    let path = workspace_root().join("README.md");
    let readme = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (demo, test) = quick_start(&readme)?;
    if test != "cargo xtask ci" {
        return Err(format!(
            "README's test command is `{test}`, expected `cargo xtask ci`"
        ));
    }
    let mut words: Vec<&str> = demo.split_whitespace().collect();
    words.extend(["--objects", CI_DEMO_OBJECTS]);
    run(words[0], &words[1..], &[])
}

/// The first two commands of the README's `sh` blocks: the demo, then the tests.
fn quick_start(readme: &str) -> Result<(String, String), String> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if in_sh && line.starts_with("cargo ") {
            commands.push(line.to_owned());
        }
    }
    match commands.as_slice() {
        [demo, test, ..] if demo.contains(" demo") => Ok((demo.clone(), test.clone())),
        _ => Err(format!(
            "README.md should start its `sh` blocks with the demo command, then the test command; found {commands:?}"
        )),
    }
}

/// rustfmt and clippy ship with rustup's default profile; add them where a minimal profile left
/// them out.
fn ensure_components() -> Result<(), String> {
    let fmt = succeeds("cargo", &["fmt", "--version"]);
    let clippy = succeeds("cargo", &["clippy", "--version"]);
    if fmt && clippy {
        return Ok(());
    }
    run("rustup", &["component", "add", "rustfmt", "clippy"], &[])
}

fn has_nightly() -> bool {
    succeeds("rustup", &["run", "nightly", "rustc", "--version"])
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    if succeeds("cargo", &["fuzz", "--version"]) {
        return Ok(());
    }
    run("cargo", &["install", "cargo-fuzz", "--locked"], &[])
}

/// The fuzz targets: every `fuzz/fuzz_targets/*.rs`, sorted.
fn fuzz_targets() -> Result<Vec<String>, String> {
    let dir = workspace_root().join("fuzz").join("fuzz_targets");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|x| x == "rs")
            && let Some(stem) = path.file_stem()
        {
            names.push(stem.to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The feature of `fuzz/` that the fuzz target binaries require (it brings in libFuzzer).
const FUZZ_FEATURE: &str = "libfuzzer";

fn fuzz_smoke(seconds: u64) -> Result<(), String> {
    if seconds == 0 {
        // libFuzzer reads -max_total_time=0 as "no limit": in CI, 0 means no fuzzing instead.
        println!("\n==> fuzz smoke skipped: --fuzz-seconds 0");
        return Ok(());
    }
    if !has_nightly() {
        println!(
            "\n==> fuzz smoke skipped: no nightly toolchain (`rustup toolchain install nightly` enables it)"
        );
        return Ok(());
    }
    fuzz(None, seconds)
}

fn fuzz(target: Option<&str>, seconds: u64) -> Result<(), String> {
    if !has_nightly() {
        return Err(
            "cargo fuzz needs a nightly toolchain: rustup toolchain install nightly".into(),
        );
    }
    ensure_cargo_fuzz()?;
    let all = fuzz_targets()?;
    let chosen: Vec<String> = match target {
        Some(t) if all.iter().any(|a| a == t) => vec![t.to_string()],
        Some(t) => return Err(format!("no fuzz target `{t}`; the targets are {all:?}")),
        None => all,
    };
    if chosen.is_empty() {
        println!("\n==> no fuzz targets yet");
        return Ok(());
    }
    // One build of every target first, so the timed runs below only fuzz.
    run(
        "cargo",
        &[
            "+nightly",
            "fuzz",
            "build",
            "--fuzz-dir",
            "fuzz",
            "--features",
            FUZZ_FEATURE,
        ],
        &[],
    )?;
    let max_time = format!("-max_total_time={seconds}");
    for name in &chosen {
        // New inputs go to a scratch corpus under target/, so the committed seeds stay as they are.
        let scratch = workspace_root()
            .join("target")
            .join("fuzz-corpus")
            .join(name);
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let scratch = scratch.to_string_lossy().into_owned();
        let seeds = format!("fuzz/seeds/{name}");
        run(
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                "--fuzz-dir",
                "fuzz",
                "--features",
                FUZZ_FEATURE,
                name,
                &scratch,
                &seeds,
                "--",
                &max_time,
            ],
            &[],
        )?;
    }
    Ok(())
}

fn bench(extra: &[String]) -> Result<(), String> {
    let mut args: Vec<&str> = vec!["bench", "--workspace"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    run("cargo", &args, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_start_is_the_first_two_sh_commands() {
        let readme = "intro\n```rust\ncargo nope\n```\n```sh\ncargo run --release -p cos-batch-cli -- demo\n```\ntext\n```sh\ncargo xtask ci\n```\n";
        let (demo, test) = quick_start(readme).unwrap();
        assert_eq!(demo, "cargo run --release -p cos-batch-cli -- demo");
        assert_eq!(test, "cargo xtask ci");
        assert!(quick_start("```sh\ncargo xtask ci\n```\n").is_err());
    }

    #[test]
    fn the_readme_has_its_quick_start() {
        let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
        let (demo, test) = quick_start(&readme).unwrap();
        assert_eq!(demo, "cargo run --release -p cos-batch-cli -- demo");
        assert_eq!(test, "cargo xtask ci");
    }
}
