//! `docs-gen write` regenerates `docs/` from the registry; `docs-gen check`
//! exits non-zero when the committed site is stale. `--dir DIR` for another
//! directory than the workspace's `docs/`.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: docs-gen write|check [--dir DIR]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut mode = None;
    let mut dir = docs_gen::docs_dir();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "write" | "check" if mode.is_none() => mode = Some(arg),
            "--dir" => match args.next() {
                Some(d) => dir = PathBuf::from(d),
                None => return usage(),
            },
            "-h" | "--help" => {
                eprintln!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    match mode.as_deref() {
        Some("write") => match docs_gen::write(&dir) {
            Ok(changed) => {
                for path in &changed {
                    eprintln!("wrote {path}");
                }
                eprintln!(
                    "docs-gen: {} in {}",
                    if changed.is_empty() {
                        "nothing to change".to_owned()
                    } else {
                        format!("{} file(s) changed", changed.len())
                    },
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("docs-gen: cannot write {}: {err}", dir.display());
                ExitCode::FAILURE
            }
        },
        Some("check") => match docs_gen::check(&dir) {
            Ok(problems) if problems.is_empty() => {
                eprintln!("docs-gen: {} is up to date", dir.display());
                ExitCode::SUCCESS
            }
            Ok(problems) => {
                for problem in &problems {
                    eprintln!("{problem}");
                }
                eprintln!(
                    "docs-gen: {} is stale; regenerate it with `{}`",
                    dir.display(),
                    docs_gen::WRITE_COMMAND
                );
                ExitCode::FAILURE
            }
            Err(err) => {
                eprintln!("docs-gen: cannot read {}: {err}", dir.display());
                ExitCode::FAILURE
            }
        },
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
