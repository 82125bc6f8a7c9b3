//! Checks the conformance manifests in `conformance/*.txt` (format at the
//! top of `conformance/mqtt-5.0-codec.txt`): every listed statement id
//! exists in the MQTT 5.0 text, every line names a test, and that test is a
//! `#[test]` function in the test sources of the workspace's crates.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `../shared/specs/mqtt-v5.0-os.txt` beside the repository.
fn spec_text() -> String {
    let path = repo_root().join("../shared/specs/mqtt-v5.0-os.txt");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every `[MQTT-x.y.z-n]` statement id in the spec text.
fn spec_ids(spec: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut rest = spec;
    while let Some(i) = rest.find("[MQTT-") {
        rest = &rest[i + 1..];
        if let Some(end) = rest.find(']') {
            let id = &rest[..end];
            if is_statement_id(id) {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

/// `MQTT-` then dotted numbers, `-`, a number.
fn is_statement_id(id: &str) -> bool {
    let Some(body) = id.strip_prefix("MQTT-") else {
        return false;
    };
    let Some((section, n)) = body.rsplit_once('-') else {
        return false;
    };
    !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && !section.is_empty()
        && section
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Names of `#[test]` functions (including those inside `proptest!`) in the
/// sources of the workspace crates that carry protocol behaviour.
fn test_functions() -> BTreeSet<String> {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in [
        "mqtt-codec/src",
        "mqtt-codec/tests",
        "qos-engine/src",
        "qos-engine/tests",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(
        !files.is_empty(),
        "no sources found under {}",
        root.display()
    );
    let mut names = BTreeSet::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let Some(after) = t
                .strip_prefix("fn ")
                .or_else(|| t.strip_prefix("async fn "))
            else {
                continue;
            };
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // Walk back over attributes and doc comments to find #[test].
            let is_test = lines[..i]
                .iter()
                .rev()
                .map(|l| l.trim())
                .take_while(|l| {
                    l.starts_with("#[")
                        || l.starts_with("///")
                        || l.starts_with("//")
                        || l.is_empty()
                })
                .any(|l| l == "#[test]" || l.starts_with("#[test]"));
            if is_test {
                names.insert(name);
            }
        }
    }
    names
}

struct Entry {
    file: String,
    line: usize,
    id: String,
    test: Option<String>,
}

fn manifest_entries() -> Vec<Entry> {
    let dir = repo_root().join("conformance");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no conformance/*.txt manifests");
    let mut entries = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let file = f.file_name().unwrap().to_string_lossy().into_owned();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let id = words.next().unwrap().to_owned();
            let test = words.next().map(str::to_owned);
            entries.push(Entry {
                file: file.clone(),
                line: n + 1,
                id,
                test,
            });
        }
    }
    entries
}

#[test]
fn every_manifest_line_names_a_real_statement_and_an_existing_test() {
    let spec = spec_text();
    let ids = spec_ids(&spec);
    assert!(
        ids.len() > 200,
        "spec text looks wrong: only {} statement ids",
        ids.len()
    );
    let tests = test_functions();
    let mut problems = Vec::new();
    for e in manifest_entries() {
        let at = format!("{}:{}", e.file, e.line);
        if !is_statement_id(&e.id) {
            problems.push(format!(
                "{at}: {:?} is not a statement id (MQTT-x.y.z-n)",
                e.id
            ));
        } else if !ids.contains(&e.id) {
            problems.push(format!(
                "{at}: [{}] does not occur in the MQTT 5.0 text",
                e.id
            ));
        }
        match &e.test {
            None => problems.push(format!("{at}: {} has no test", e.id)),
            Some(t) if !tests.contains(t) => problems.push(format!(
                "{at}: {} names {t}, which is not a #[test] fn in the scanned sources",
                e.id
            )),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "conformance manifest problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn coverage_summary_counts_statements_per_manifest() {
    let spec = spec_text();
    let total = spec_ids(&spec).len();
    let mut per_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in manifest_entries() {
        per_file.entry(e.file).or_default().insert(e.id);
    }
    let all: BTreeSet<&String> = per_file.values().flatten().collect();
    for (file, ids) in &per_file {
        eprintln!("{file}: {} statements", ids.len());
    }
    eprintln!(
        "all manifests: {} of {total} statements of MQTT 5.0",
        all.len()
    );
    let codec = per_file
        .get("mqtt-5.0-codec.txt")
        .expect("codec manifest present");
    assert!(
        codec.len() >= 70,
        "codec manifest shrank to {} statements",
        codec.len()
    );
}

#[test]
fn checker_rejects_ids_that_are_not_statements() {
    assert!(is_statement_id("MQTT-3.3.1-4"));
    assert!(is_statement_id("MQTT-4.2-1"));
    assert!(!is_statement_id("MQTT-3.3.1-"));
    assert!(!is_statement_id("MQTT-3..1-4"));
    assert!(!is_statement_id("MQTT-x"));
    let ids = spec_ids("a [MQTT-1.2.3-4] b [MQTT-9.9-] c");
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["MQTT-1.2.3-4"]);
}
