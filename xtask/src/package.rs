//! `cargo xtask package`: every published crate has the metadata its crates.io page needs, and
//! `cargo package` builds it from its packaged sources.

use std::path::{Path, PathBuf};

use crate::metadata::{Metadata, Package};
use crate::process;

/// What `package` for a published crate lacks, by field name; empty when nothing.
pub fn missing_metadata(package: &Package) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&package.description) {
        missing.push("description");
    }
    if blank(&package.readme) {
        missing.push("readme");
    }
    if blank(&package.documentation) {
        missing.push("documentation");
    }
    if package.keywords.is_empty() {
        missing.push("keywords");
    }
    if package.categories.is_empty() {
        missing.push("categories");
    }
    if package.rust_version.is_none() {
        missing.push("rust-version");
    }
    let docs_rs = package
        .metadata
        .as_ref()
        .and_then(|m| m.get("docs"))
        .and_then(|d| d.get("rs"));
    if package.is_library() && docs_rs.is_none() {
        missing.push("[package.metadata.docs.rs]");
    }
    missing
}

/// Checks the metadata of every published crate, then packages and verifies them all in one
/// `cargo package` run. Offline: cargo (1.90 and newer) packages the workspace's crates into a
/// temporary local registry, so a crate that depends on an unpublished sibling is verified
/// against the sibling's packaged sources, and the crates.io index cache serves the rest.
pub fn package(metadata: &Metadata) -> Result<(), String> {
    let members = metadata.published_members();
    let mut problems = Vec::new();
    for package in &members {
        let missing = missing_metadata(package);
        if !missing.is_empty() {
            problems.push(format!("{}: no {}", package.name, missing.join(", ")));
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "crates.io metadata missing:\n  {}",
            problems.join("\n  ")
        ));
    }
    // `--allow-dirty`: this checks what is on disk, uncommitted changes included; a clean tree
    // is a concern of publishing, not of CI.
    remove_stale_extracts(&members)?;
    let mut args = vec!["package", "--offline", "--locked", "--allow-dirty"];
    for package in &members {
        args.extend(["--package", package.name.as_str()]);
    }
    process::run("cargo", &args, &[])
}

/// Cargo extracts each crate it packaged from its temporary local registry into
/// `$CARGO_HOME/registry/src/-{hash}/{name}-{version}` (the hash is that of the checkout's
/// path), and reuses that directory on a later run from the same path even when the crate's
/// sources changed, since its version did not: a sibling's stale extract then fails the
/// verification of a crate that uses the sibling's new API. This removes the extracts of the
/// workspace's crates, only under local registries (whose directory names start with `-`), so
/// cargo extracts them again.
fn remove_stale_extracts(members: &[&Package]) -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    match home {
        Some(home) => remove_extracts_in(&home.join("registry").join("src"), members),
        None => Ok(()),
    }
}

/// Removes `{registry}/{name}-{version}` of each of `members` under every local registry
/// (`-{hash}`) of the registry source directory `src`.
fn remove_extracts_in(src: &Path, members: &[&Package]) -> Result<(), String> {
    let Ok(registries) = std::fs::read_dir(src) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for package in members {
            let extract = registry
                .path()
                .join(format!("{}-{}", package.name, package.version));
            if extract.is_dir() {
                std::fs::remove_dir_all(&extract).map_err(|e| {
                    format!("cannot remove the stale extract {}: {e}", extract.display())
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(json: &str) -> Package {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn stale_extracts_of_local_registries_go_and_nothing_else() {
        let src = tempfile::tempdir().unwrap();
        for dir in [
            "-0123abcd/cos-sign-0.1.0/src",
            "-0123abcd/serde-1.0.0/src",
            "index.crates.io-1949cf8c6b5b557f/cos-sign-0.1.0/src",
        ] {
            std::fs::create_dir_all(src.path().join(dir)).unwrap();
        }
        let mut ours = package(r#"{"name": "cos-sign", "id": "x", "targets": []}"#);
        ours.version = "0.1.0".into();
        remove_extracts_in(src.path(), &[&ours]).unwrap();
        assert!(!src.path().join("-0123abcd/cos-sign-0.1.0").exists());
        assert!(src.path().join("-0123abcd/serde-1.0.0").exists());
        assert!(
            src.path()
                .join("index.crates.io-1949cf8c6b5b557f/cos-sign-0.1.0")
                .exists()
        );
        // No registry directory at all is not an error.
        remove_extracts_in(&src.path().join("none"), &[&ours]).unwrap();
    }

    #[test]
    fn every_field_of_the_crate_page_is_required() {
        let bare = package(r#"{"name": "x", "id": "x", "targets": [{"kind": ["lib"]}]}"#);
        assert_eq!(
            missing_metadata(&bare),
            [
                "description",
                "readme",
                "documentation",
                "keywords",
                "categories",
                "rust-version",
                "[package.metadata.docs.rs]"
            ]
        );
        let full = package(
            r#"{"name": "x", "id": "x", "targets": [{"kind": ["lib"]}], "description": "d",
                "readme": "README.md", "documentation": "https://docs.rs/x", "keywords": ["k"],
                "categories": ["c"], "rust_version": "1.88",
                "metadata": {"docs": {"rs": {"all-features": true}}}}"#,
        );
        assert!(missing_metadata(&full).is_empty());
    }

    #[test]
    fn a_binary_needs_no_docs_rs_section() {
        let bin = package(
            r#"{"name": "x", "id": "x", "targets": [{"kind": ["bin"]}], "description": "d",
                "readme": "README.md", "documentation": "https://x", "keywords": ["k"],
                "categories": ["c"], "rust_version": "1.88"}"#,
        );
        assert!(missing_metadata(&bin).is_empty());
    }
}
