//! `cargo xtask msrv`: what can be checked of the minimum supported Rust version (`rust-version`)
//! with only newer toolchains at hand.
//!
//! - Dependencies: no crate that a published crate needs to build (normal and build
//!   dependencies, every feature on) declares a `rust-version` newer than the crate's own.
//! - Our code: clippy's `incompatible_msrv` lint, which reads `rust-version`, denied over the
//!   library and binary targets of every published crate with every feature on. It flags a use
//!   of a standard library item (function, method, type, constant) whose `#[stable(since)]` is
//!   newer, including items only const-stable later when used in a const context.
//!
//! Not checked (a real build on the old toolchain would be): language features and syntax newer
//! than the MSRV, trait impls added to std later (impls carry no stability version), lints and
//! compiler behaviour of the old toolchain, test and bench code (clippy skips it by default), and
//! dependencies that declare no `rust-version` (listed, not failed).

use crate::metadata::{Metadata, Package};
use crate::process;

/// A Rust version, `major.minor.patch` (a missing patch is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RustVersion(u32, u32, u32);

impl std::str::FromStr for RustVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a Rust version (major.minor[.patch])");
        let mut parts = s.trim().split('.');
        let mut next = |required: bool| match parts.next() {
            Some(p) => p.parse::<u32>().map_err(|_| bad()),
            None if required => Err(bad()),
            None => Ok(0),
        };
        let version = Self(next(true)?, next(true)?, next(false)?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(version)
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The dependencies in `deps` whose `rust-version` is newer than `msrv`, as messages, and the
/// names of those that declare none.
pub fn newer_dependencies(
    msrv: RustVersion,
    deps: &[&Package],
) -> Result<(Vec<String>, Vec<String>), String> {
    let mut newer = Vec::new();
    let mut undeclared = Vec::new();
    for dep in deps {
        match &dep.rust_version {
            Some(v) => {
                let version: RustVersion = v.parse()?;
                if version > msrv {
                    newer.push(format!("{} needs Rust {version}", dep.id));
                }
            }
            None => undeclared.push(dep.name.clone()),
        }
    }
    undeclared.sort();
    undeclared.dedup();
    Ok((newer, undeclared))
}

/// Runs both checks; see the module documentation.
pub fn msrv(metadata: &Metadata) -> Result<(), String> {
    let members = metadata.published_members();
    let mut problems = Vec::new();
    for member in &members {
        let Some(msrv) = &member.rust_version else {
            problems.push(format!("{} declares no rust-version", member.name));
            continue;
        };
        let msrv: RustVersion = msrv.parse()?;
        let deps = metadata.build_closure(&[member]);
        let (newer, _) = newer_dependencies(msrv, &deps)?;
        for n in newer {
            problems.push(format!("{} (rust-version {msrv}): {n}", member.name));
        }
    }
    let deps = metadata.build_closure(&members);
    let (_, undeclared) = newer_dependencies(RustVersion(0, 0, 0), &deps)?;
    println!(
        "\n==> msrv: {} dependencies checked against each crate's rust-version; {} declare none: {}",
        deps.len(),
        undeclared.len(),
        undeclared.join(", ")
    );
    if !problems.is_empty() {
        return Err(format!(
            "dependencies newer than the MSRV:\n  {}",
            problems.join("\n  ")
        ));
    }
    let mut args = vec!["clippy"];
    for member in &members {
        args.extend(["--package", member.name.as_str()]);
    }
    args.extend([
        "--lib",
        "--bins",
        "--all-features",
        "--",
        "-A",
        "warnings",
        "-D",
        "clippy::incompatible_msrv",
    ]);
    process::run("cargo", &args, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, rust_version: Option<&str>) -> Package {
        let mut json =
            serde_json::json!({"name": name, "id": format!("{name}@1.0.0"), "targets": []});
        if let Some(v) = rust_version {
            json["rust_version"] = v.into();
        }
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn versions_parse_and_order() {
        let v = |s: &str| s.parse::<RustVersion>().unwrap();
        assert_eq!(v("1.88"), v("1.88.0"));
        assert!(v("1.88.1") > v("1.88"));
        assert!(v("1.100") > v("1.99.9"));
        for bad in ["", "1", "1.x", "1.2.3.4", "v1.88"] {
            assert!(bad.parse::<RustVersion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_dependency_newer_than_the_msrv_is_named() {
        let deps = [
            dep("old", Some("1.70")),
            dep("same", Some("1.88.0")),
            dep("new", Some("1.89")),
            dep("silent", None),
        ];
        let refs: Vec<&Package> = deps.iter().collect();
        let (newer, undeclared) = newer_dependencies("1.88".parse().unwrap(), &refs).unwrap();
        assert_eq!(newer, ["new@1.0.0 needs Rust 1.89.0"]);
        assert_eq!(undeclared, ["silent"]);
    }
}
