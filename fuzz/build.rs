//! Prepares bindings/c/src/lib.rs for inclusion as the crate root of the
//! `c_abi` fuzz target: its module declarations get absolute `#[path]`s and
//! its inner attributes are dropped (they are only allowed at the top of a
//! real file). The C crate builds only as staticlib/cdylib, which a Rust
//! crate cannot depend on.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../bindings/c/src");
    let lib = dir.join("lib.rs");
    println!("cargo::rerun-if-changed={}", lib.display());
    let source = std::fs::read_to_string(&lib).unwrap_or_default();
    let mut out = String::new();
    for line in source.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("#![") || trimmed.starts_with("//!") {
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix("mod ")
            .and_then(|r| r.strip_suffix(';'))
        {
            let path = dir.join(format!("{name}.rs"));
            out.push_str(&format!(
                "#[path = {:?}]\nmod {name};\n",
                path.display().to_string()
            ));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("c_lib.rs");
    std::fs::write(dest, out).unwrap();
}
