//! Replays every committed seed corpus through its fuzz check on the stable toolchain.

use std::path::Path;

#[test]
fn every_seed_corpus_replays_without_panic() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut replayed = 0usize;
    for (name, check) in cos_batch_fuzz::targets() {
        let dir = seeds.join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("seed corpus {} missing: {e}", dir.display()));
        let mut count = 0usize;
        for entry in entries {
            let path = entry.expect("read_dir entry").path();
            let data = std::fs::read(&path).expect("read seed");
            check(&data);
            count += 1;
        }
        assert!(count > 0, "fuzz target {name} has an empty seed corpus");
        replayed += count;
    }
    eprintln!(
        "replayed {replayed} seeds over {} targets",
        cos_batch_fuzz::targets().count()
    );
}

#[test]
fn every_target_has_a_binary_and_every_binary_a_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz_targets");
    let mut bins: Vec<String> = std::fs::read_dir(&dir)
        .expect("fuzz_targets dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    bins.sort();
    let mut names: Vec<String> = cos_batch_fuzz::targets()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort();
    assert_eq!(bins, names);
}
