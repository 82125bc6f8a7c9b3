//! `mqcoap demo`: exits 0 with the summary table when every invariant held.

mod common;

use common::*;
use std::time::Duration;

#[test]
fn demo_holds_every_invariant_and_prints_the_summary_table() {
    for seed in ["1", "7"] {
        let out = mqcoap(&["demo", "--seed", seed], Duration::from_secs(60));
        assert_eq!(out.code(), 0, "seed {seed}:\n{}{}", out.stdout, out.stderr);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert!(
            lines[0].starts_with("scenario") && lines[0].ends_with("invariants"),
            "{}",
            out.stdout
        );
        for (row, name) in lines[2..6].iter().zip([
            "mqtt qos2 stream",
            "coap con requests",
            "coap block-wise 64 KiB",
            "coap observe",
        ]) {
            assert!(
                row.starts_with(name) && row.ends_with("held"),
                "seed {seed}: {row}"
            );
        }
        // 10,000 QoS 2 messages sent and delivered; 1,000 CON requests sent.
        let mqtt: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(&mqtt[3..5], ["10000", "10000"], "{}", lines[2]);
        let coap: Vec<&str> = lines[3].split_whitespace().collect();
        assert_eq!(coap[3], "1000", "{}", lines[3]);
        assert!(
            lines[6].starts_with(&format!("seed {seed}, "))
                && lines[6].ends_with("every invariant held")
        );
        // Progress and the scenario results go to stderr, not into the table.
        assert!(
            out.stderr.contains("delivered exactly once"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn demo_is_reproducible_from_its_seed() {
    let strip_wall = |s: &str| -> Vec<String> {
        // Drop the wall-time columns; everything else follows from the seed.
        s.lines()
            .skip(2)
            .take(4)
            .map(|l| {
                let cols: Vec<&str> = l.split("  ").filter(|c| !c.is_empty()).collect();
                cols[..cols.len() - 2].join("|")
            })
            .collect()
    };
    let a = mqcoap(&["demo", "--seed", "42"], Duration::from_secs(60));
    let b = mqcoap(&["demo", "--seed", "42"], Duration::from_secs(60));
    assert_eq!(strip_wall(&a.stdout), strip_wall(&b.stdout));
}
