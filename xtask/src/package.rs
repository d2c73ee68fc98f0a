//! `cargo xtask package`: every published crate has the metadata its crates.io page needs, and
//! `cargo package` builds it from its packaged sources.

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
    let mut args = vec!["package", "--offline", "--locked", "--allow-dirty"];
    for package in &members {
        args.extend(["--package", package.name.as_str()]);
    }
    process::run("cargo", &args, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(json: &str) -> Package {
        serde_json::from_str(json).unwrap()
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
