//! What `cargo metadata` says about the workspace: its packages, their manifests' metadata and
//! the resolved dependency graph.

use std::collections::HashMap;

use serde::Deserialize;

use crate::process;

/// The parts of `cargo metadata --format-version 1` that xtask reads.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    /// Every package of the resolved graph, the workspace's own included.
    pub packages: Vec<Package>,
    /// The ids of the workspace's packages.
    pub workspace_members: Vec<String>,
    /// The resolved graph.
    pub resolve: Resolve,
}

/// One package.
#[derive(Debug, Deserialize)]
pub struct Package {
    /// Its name.
    pub name: String,
    /// Its id, as the graph names it.
    pub id: String,
    /// Its version.
    #[serde(default)]
    pub version: String,
    /// `rust-version`, when set.
    pub rust_version: Option<String>,
    /// `publish`: `None` for anywhere, an empty list for `publish = false`.
    pub publish: Option<Vec<String>>,
    /// `description`.
    pub description: Option<String>,
    /// `readme`.
    pub readme: Option<String>,
    /// `documentation`.
    pub documentation: Option<String>,
    /// `keywords`.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// `categories`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// `[package.metadata]`, as JSON.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Its targets.
    pub targets: Vec<Target>,
}

/// A target of a package.
#[derive(Debug, Deserialize)]
pub struct Target {
    /// Its kinds: `lib`, `bin`, `test`, ...
    pub kind: Vec<String>,
}

/// The resolved graph.
#[derive(Debug, Deserialize)]
pub struct Resolve {
    /// One node per package.
    pub nodes: Vec<Node>,
}

/// A package in the graph, and what it depends on.
#[derive(Debug, Deserialize)]
pub struct Node {
    /// The package's id.
    pub id: String,
    /// Its dependencies.
    pub deps: Vec<NodeDep>,
}

/// One dependency edge.
#[derive(Debug, Deserialize)]
pub struct NodeDep {
    /// The id of the package depended on.
    pub pkg: String,
    /// How: normal (`kind` null), `build` or `dev`, once per way.
    pub dep_kinds: Vec<DepKind>,
}

/// One way a dependency is used.
#[derive(Debug, Deserialize)]
pub struct DepKind {
    /// `None` for a normal dependency, else `"build"` or `"dev"`.
    pub kind: Option<String>,
}

impl Package {
    /// Not `publish = false`.
    pub fn is_published(&self) -> bool {
        self.publish
            .as_ref()
            .is_none_or(|registries| !registries.is_empty())
    }

    /// Has a library target.
    pub fn is_library(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.kind.iter().any(|k| k == "lib" || k.ends_with("lib")))
    }
}

impl NodeDep {
    /// Used at build or run time by the package that names it (not only by its tests).
    pub fn is_normal_or_build(&self) -> bool {
        self.dep_kinds
            .iter()
            .any(|k| k.kind.as_deref().is_none_or(|kind| kind == "build"))
    }
}

impl Metadata {
    /// `cargo metadata` of the workspace, every feature on (so optional dependencies count).
    pub fn load() -> Result<Self, String> {
        process::fetch()?;
        let json = process::output(
            "cargo",
            &[
                "metadata",
                "--format-version",
                "1",
                "--all-features",
                "--offline",
            ],
        )?;
        serde_json::from_slice(&json).map_err(|e| format!("cargo metadata: {e}"))
    }

    /// The workspace's packages that are published (not `publish = false`).
    pub fn published_members(&self) -> Vec<&Package> {
        self.packages
            .iter()
            .filter(|p| self.workspace_members.contains(&p.id) && p.is_published())
            .collect()
    }

    /// Every package that a package in `roots` needs to build, through normal and build
    /// dependencies (not dev-dependencies), the roots excluded.
    pub fn build_closure(&self, roots: &[&Package]) -> Vec<&Package> {
        let nodes: HashMap<&str, &Node> = self
            .resolve
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n))
            .collect();
        let by_id: HashMap<&str, &Package> =
            self.packages.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut seen: Vec<&str> = roots.iter().map(|p| p.id.as_str()).collect();
        let mut todo = seen.clone();
        let mut found = Vec::new();
        while let Some(id) = todo.pop() {
            let Some(node) = nodes.get(id) else { continue };
            for dep in node.deps.iter().filter(|d| d.is_normal_or_build()) {
                if seen.contains(&dep.pkg.as_str()) {
                    continue;
                }
                seen.push(&dep.pkg);
                todo.push(&dep.pkg);
                if let Some(package) = by_id.get(dep.pkg.as_str()) {
                    found.push(*package);
                }
            }
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found
    }
}
