//! The build script every `quick-start-*` graph shares: copies the first Rust block of the
//! provider crate's README, byte for byte, into `$OUT_DIR/quick_start.rs`, which the graph's
//! `src/lib.rs` includes. The provider comes from the package name (`quick-start-cas` reads
//! `crates/session-cas/README.md`).

use std::path::PathBuf;

fn main() {
    let package = std::env::var("CARGO_PKG_NAME").expect("cargo sets CARGO_PKG_NAME");
    let provider = package
        .strip_prefix("quick-start-")
        .expect("the package is named quick-start-<provider>");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let readme = manifest.join(format!("../../../crates/session-{provider}/README.md"));
    println!("cargo:rerun-if-changed={}", readme.display());
    let text = std::fs::read_to_string(&readme)
        .unwrap_or_else(|e| panic!("reading {}: {e}", readme.display()));
    let mut lines = text.lines().skip_while(|l| !l.starts_with("```rust"));
    assert!(
        lines.next().is_some(),
        "{} has no Rust block",
        readme.display()
    );
    let block: Vec<&str> = lines.take_while(|l| l.trim_end() != "```").collect();
    assert!(
        !block.is_empty(),
        "the Rust block of {} is empty",
        readme.display()
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("quick_start.rs"), block.join("\n") + "\n")
        .expect("writing quick_start.rs");
}
