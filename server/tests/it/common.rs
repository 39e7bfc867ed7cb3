//! Runs the real `teetrack` binary against a database of its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Long enough for a loaded CI machine; a hang fails instead of blocking.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Teetrack {
    dir: tempfile::TempDir,
    database: catalogue::testing::TestDatabase,
}

impl Teetrack {
    pub fn new() -> Teetrack {
        Teetrack {
            dir: tempfile::tempdir().unwrap(),
            database: catalogue::testing::TestDatabase::new(),
        }
    }

    /// The binary with only this test's settings: no identity, no log
    /// filter and no database from the environment that runs the tests.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_teetrack"));
        command
            .args(args)
            .env_remove("TEETRACK_MCP_TOKEN")
            .env_remove("TEETRACK_MCP_USER_EMAIL")
            .env_remove("RUST_LOG")
            .env("TEETRACK_DATABASE_URL", self.db_url())
            .env("XDG_DATA_HOME", self.dir.path())
            .env("HOME", self.dir.path());
        command
    }

    /// A SQLite file of this test's, or its own PostgreSQL database.
    pub fn db_url(&self) -> &str {
        self.database.url()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
    }

    /// Runs a command that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "teetrack {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail with one line on stderr; that line.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "teetrack {args:?} succeeded");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
        one_line(&out.stderr)
    }
}

pub fn one_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got {text:?}");
    lines[0].to_owned()
}

/// Waits for the process to exit, killing it at the deadline.
pub fn wait(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!("teetrack did not exit within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// The lines a child writes, read on a thread, so a test can wait for one
/// with a deadline.
pub fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}
