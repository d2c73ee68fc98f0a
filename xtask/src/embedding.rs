//! `cargo xtask embedding`: the promises an embedder relies on, checked with `cargo tree`.
//!
//! - `cos-sign` and `cos-batch-model` build without tokio and hyper, and without each other.
//! - `cos-credentials` builds with `--no-default-features` without hyper, rustls or tower.

use crate::process::{fetch, output, run};

/// One promise: `package` (with `args`) must not depend on any of `forbidden`.
struct Promise {
    package: &'static str,
    args: &'static [&'static str],
    forbidden: &'static [&'static str],
}

const PROMISES: [Promise; 3] = [
    Promise {
        package: "cos-sign",
        args: &[],
        forbidden: &["tokio", "hyper", "cos-batch-model"],
    },
    Promise {
        package: "cos-batch-model",
        args: &[],
        forbidden: &["tokio", "hyper", "http", "cos-sign"],
    },
    Promise {
        package: "cos-credentials",
        args: &["--no-default-features"],
        forbidden: &[
            "hyper",
            "hyper-util",
            "rustls",
            "tower-layer",
            "tower-service",
        ],
    },
];

/// Checks every promise, and that the lean `cos-credentials` build compiles.
pub fn embedding() -> Result<(), String> {
    fetch()?;
    for promise in &PROMISES {
        let mut args = vec![
            "tree",
            "--offline",
            "-p",
            promise.package,
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ];
        args.extend(promise.args);
        let tree = String::from_utf8_lossy(&output("cargo", &args)?).into_owned();
        let found = forbidden_in(&tree, promise.forbidden);
        if !found.is_empty() {
            return Err(format!(
                "{} {} depends on {}",
                promise.package,
                promise.args.join(" "),
                found.join(", ")
            ));
        }
        println!(
            "{} {}: none of {} in its dependencies",
            promise.package,
            promise.args.join(" "),
            promise.forbidden.join(", ")
        );
    }
    run(
        "cargo",
        &["check", "-p", "cos-credentials", "--no-default-features"],
        &[],
    )
}

/// The names of `forbidden` that stand as a package name at the start of a line of `tree`
/// (`cargo tree --prefix none --format {p}`: `name vX.Y.Z (source)`).
fn forbidden_in(tree: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| forbidden.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forbidden_package_is_found_by_its_exact_name() {
        let tree = "cos-sign v0.1.0 (/w/crates/cos-sign)\nhttp v1.3.1\nhyper-util v0.1.17\n";
        assert_eq!(forbidden_in(tree, &["hyper", "http"]), vec!["http"]);
        assert!(forbidden_in(tree, &["tokio"]).is_empty());
    }
}
