//! Starting the tools xtask drives (cargo, rustup), from the workspace root, with an environment
//! that does not depend on how xtask itself was started.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The workspace root: xtask lives one level below it.
pub fn workspace_root() -> PathBuf {
    // `cargo run` (behind `cargo xtask`) gives the manifest directory at run time; that is
    // preferred to the one compiled in, which is stale when a target directory is shared
    // between two checkouts.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// True for a variable that `cargo run` sets for the program it starts (xtask) and that
/// describes xtask's own package: `CARGO_MANIFEST_DIR`, `CARGO_MANIFEST_PATH`, `CARGO_PKG_*`,
/// `CARGO_CRATE_NAME`, `CARGO_BIN_NAME`, `CARGO_PRIMARY_PACKAGE` and the like.
///
/// A cargo started with them passes them on to build scripts, and a build script that watches
/// one (ring's watches `CARGO_MANIFEST_DIR`) reruns, with everything above it rebuilt, each
/// time the same command is run once from xtask and once from a shell. Variables a user sets
/// to configure cargo (`CARGO_HOME`, `CARGO_TARGET_DIR`, `CARGO_BUILD_*`, `CARGO_TERM_*`, ...)
/// are kept.
pub fn is_set_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO"
                | "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
                | "OUT_DIR"
        )
}

/// `program` to run in the workspace root, without the variables of [`is_set_by_cargo_run`].
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(workspace_root());
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_set_by_cargo_run) {
            command.env_remove(&name);
        }
    }
    command
}

/// Runs a command in the workspace root, echoing it first, and fails on a non-zero exit.
pub fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let shown = std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let env_shown: String = envs.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    println!("\n==> {env_shown}{shown}");
    let start = Instant::now();
    let status = command(program)
        .args(args)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    println!("<== {shown}: {status} in {:.1?}", start.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{env_shown}{shown}` failed: {status}"))
    }
}

/// Downloads every package of the lock file, for every platform (`cargo fetch --locked`). The
/// offline steps after it (`cargo metadata --all-features`, `cargo tree`, `cargo package`) read
/// optional and other platforms' dependencies that building the host never downloads, so a
/// fresh machine needs this first; on a filled cache it does nothing.
pub fn fetch() -> Result<(), String> {
    run("cargo", &["fetch", "--locked"], &[])
}

/// True when `program args` starts and exits 0, with its output discarded.
pub fn succeeds(program: &str, args: &[&str]) -> bool {
    command(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The standard output of `program args`, which must exit 0.
pub fn output(program: &str, args: &[&str]) -> Result<Vec<u8>, String> {
    let shown = format!("{program} {}", args.join(" "));
    let out = command(program)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!("`{shown}` failed: {}", out.status))
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn the_variables_cargo_sets_for_xtask_are_left_out() {
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_CRATE_NAME",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            assert!(is_set_by_cargo_run(name), "{name}");
        }
        for name in [
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_JOBS",
            "CARGO_TERM_COLOR",
            "RUSTFLAGS",
            "PATH",
        ] {
            assert!(!is_set_by_cargo_run(name), "{name}");
        }
    }

    #[test]
    fn a_started_command_does_not_inherit_them() {
        // `cargo test` sets these for this test binary, as `cargo run` does for xtask.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        assert!(std::env::var_os("CARGO_PKG_NAME").is_some());
        let command = command("cargo");
        let removed: Vec<&OsStr> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
        assert!(removed.contains(&OsStr::new("CARGO_MANIFEST_DIR")));
        assert!(removed.contains(&OsStr::new("CARGO_PKG_NAME")));
        assert!(!removed.contains(&OsStr::new("PATH")));
    }
}
