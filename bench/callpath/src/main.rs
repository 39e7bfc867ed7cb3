//! The call path (issue 13): what one `tools/call` costs through the real
//! `teetrack` binary, beside the official Rust SDK (rmcp) answering a tool
//! that does nothing, in one run on one machine.
//!
//! It copies the shared MCP benchmark harness (`mcpbench` and its peers;
//! `TEETRACK_MCPBENCH_SRC`, default `../shared/bench` beside the repository)
//! to a scratch folder outside the repository (`TEETRACK_CALLPATH_DIR`,
//! default `$TMPDIR/teetrack-callpath`), builds the driver and the peers
//! there, builds `teetrack` (release), makes a small database with a user, a
//! token and one running timer, and measures, round after round, every
//! contender of a scenario before the next scenario (so a noisy machine's
//! drift spreads over all of them):
//!
//! - stdio, one request at a time, driver and server pinned to one CPU (as
//!   the harness does): p50 of the hand-written floor's and rmcp's
//!   (`stdio_pipes`) `echo`, teetrack's `list_active_timers`, `get_context`
//!   and `log_track`;
//! - stdio, 32 requests in flight: calls/s, and teetrack's peak RSS;
//! - cold start: spawn → `initialize` answered (teetrack opens the database
//!   and checks its migrations first);
//! - Streamable HTTP, 16 connections: the server's CPU per call, rmcp's
//!   stateless JSON `echo` against `teetrack serve` with a bearer token;
//! - the same read tools, and `log_track` on the tmpfs, called in process
//!   (no protocol, no pipe: the tool's own work, its database work
//!   included), and one read transaction of one row on the same file: what
//!   a call costs before any protocol layer, set against what rmcp spends
//!   above the floor;
//! - `log_track` (a write) on that disk, its durable commit alone (one-row
//!   commits in WAL mode with `synchronous = FULL`, what Teetrack ships, on
//!   the same disk), and `log_track` with the same build and settings on a
//!   tmpfs, where the fsync is free: the call's cost apart from the commit.
//!
//! It prints the medians over the rounds and each ratio the issue sets a
//! target for.
//!
//! ```sh
//! cargo run --release -p teetrack-callpath
//! CALLPATH_ROUNDS=1 CALLPATH_SCALE=0.2 cargo run --release -p teetrack-callpath
//! ```
//! `CALLPATH_ROUNDS` (default 3), `CALLPATH_SCALE` (multiplies every call
//! count; default 1), `CALLPATH_CPU` (the CPU latency runs are pinned to,
//! default 0), `TEETRACK_BIN` (measure this `teetrack` binary instead of
//! building one: an older build, to see what a change bought).

// The benchmark's report is its output; it is no MCP server.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::Value;

/// Calls per measurement at scale 1.
const SEQ_N: usize = 5000;
const WRITE_N: usize = 2000;
const PIPE_N: usize = 20000;
const HTTP_N: usize = 20000;
const COLD_RUNS: usize = 10;
const COMMITS: usize = 200;
const IN_PROCESS_N: usize = 20000;
/// `log_track`'s arguments (`{{i}}`: the call's number).
const LOG_TRACK_ARGS: &str =
    r#"{"description": "bench {{i}}", "start": "2020-01-01T09:00:00Z", "duration": 60}"#;
const EMAIL: &str = "bench@example.com";
/// A tmpfs.
const MEMORY_DIR: &str = "/dev/shm";

fn main() -> anyhow::Result<()> {
    let rounds: usize = env_or("CALLPATH_ROUNDS", 3);
    let scale: f64 = env_or("CALLPATH_SCALE", 1.0);
    let cpu: usize = env_or("CALLPATH_CPU", 0);
    let n = |base: usize| ((base as f64 * scale) as usize).max(50);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .context("the benchmark sits in bench/callpath of the repository")?
        .to_path_buf();
    let src = std::env::var_os("TEETRACK_MCPBENCH_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/bench"));
    let scratch = std::env::var_os("TEETRACK_CALLPATH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("teetrack-callpath"));
    anyhow::ensure!(
        !scratch.starts_with(&repo),
        "the scratch folder must be outside the repository"
    );
    let harness = scratch.join("mcpbench");
    eprintln!("copying {} to {}", src.display(), harness.display());
    copy_tree(&src, &harness)?;
    eprintln!("building the driver and the peers (release)");
    cargo(
        &harness,
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "mcpbench",
            "-p",
            "rmcp-peer",
            "-p",
            "baseline-peer",
        ],
    )?;
    let teetrack = match std::env::var_os("TEETRACK_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => {
            eprintln!("building teetrack (release)");
            cargo(&repo, &["build", "--release", "--quiet", "-p", "teetrack"])?;
            target_dir(&repo).join("release/teetrack")
        }
    };
    let bin = |dir: &Path, name: &str| dir.join("target/release").join(name);
    let tools = Tools {
        driver: bin(&harness, "mcpbench"),
        floor: bin(&harness, "baseline-peer"),
        rmcp: bin(&harness, "rmcp-peer"),
        teetrack,
        cpu: cpu.to_string(),
    };

    let data = scratch.join("data");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let db = data.join("bench.db").to_string_lossy().into_owned();
    let token = tools.setup(&db)?;
    // The same build and settings on a file in memory (tmpfs), where an
    // fsync costs nothing: what a write costs apart from its flush, measured
    // rather than subtracted (a disk shared with builds flushes in 0.2 to
    // 4 ms from one minute to the next).
    let memory = Path::new(MEMORY_DIR).join(format!("teetrack-callpath-{}", std::process::id()));
    std::fs::create_dir_all(&memory)?;
    let memory_db = memory.join("bench.db").to_string_lossy().into_owned();
    let memory_token = tools.setup(&memory_db)?;
    let memory_env = vec![
        format!("TEETRACK_DATABASE_URL={memory_db}"),
        format!("TEETRACK_MCP_TOKEN={memory_token}"),
    ];
    let env = vec![
        format!("TEETRACK_DATABASE_URL={db}"),
        format!("TEETRACK_MCP_TOKEN={token}"),
    ];

    let mut results: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut keep = |key: &'static str, line: Value| results.entry(key).or_default().push(line);
    for round in 1..=rounds {
        eprintln!("round {round}/{rounds}");
        // stdio, one request at a time, pinned.
        let echo = ["--expect", "hello {{i}}"];
        keep(
            "floor seq",
            tools.stdio(
                &["--mode", "seq", "-n", &n(SEQ_N).to_string()],
                &echo,
                &[],
                &[tools.floor_cmd()],
                true,
            )?,
        );
        keep(
            "rmcp seq",
            tools.stdio(
                &["--mode", "seq", "-n", &n(SEQ_N).to_string()],
                &echo,
                &[],
                &[tools.rmcp_cmd()],
                true,
            )?,
        );
        for (key, tool) in [
            ("timers seq", "list_active_timers"),
            ("context seq", "get_context"),
        ] {
            keep(
                key,
                tools.stdio(
                    &["--mode", "seq", "-n", &n(SEQ_N).to_string()],
                    &["--tool", tool, "--args", "{}"],
                    &env,
                    &[tools.teetrack_mcp()],
                    true,
                )?,
            );
        }
        let log_track = ["--tool", "log_track", "--args", LOG_TRACK_ARGS];
        for (key, env) in [("log_track seq", &env), ("log_track memory", &memory_env)] {
            keep(
                key,
                tools.stdio(
                    &["--mode", "seq", "-n", &n(WRITE_N).to_string()],
                    &log_track,
                    env,
                    &[tools.teetrack_mcp()],
                    true,
                )?,
            );
        }
        // stdio, 32 in flight, unpinned.
        let (fast, slow) = (n(3 * PIPE_N).to_string(), n(PIPE_N).to_string());
        keep(
            "floor pipe",
            tools.stdio(
                &["--mode", "pipe", "-k", "32", "-n", &fast],
                &echo,
                &[],
                &[tools.floor_cmd()],
                false,
            )?,
        );
        keep(
            "rmcp pipe",
            tools.stdio(
                &["--mode", "pipe", "-k", "32", "-n", &fast],
                &echo,
                &[],
                &[tools.rmcp_cmd()],
                false,
            )?,
        );
        keep(
            "timers pipe",
            tools.stdio(
                &["--mode", "pipe", "-k", "32", "-n", &slow],
                &["--tool", "list_active_timers", "--args", "{}"],
                &env,
                &[tools.teetrack_mcp()],
                false,
            )?,
        );
        // cold start
        let cold = ["--mode", "cold", "--runs", &COLD_RUNS.to_string()];
        keep(
            "floor cold",
            tools.stdio(&cold, &[], &[], &[tools.floor_cmd()], false)?,
        );
        keep(
            "teetrack cold",
            tools.stdio(&cold, &[], &env, &[tools.teetrack_mcp()], false)?,
        );
        // HTTP, 16 connections
        keep(
            "rmcp http",
            tools.http(
                &[
                    &tools.rmcp.to_string_lossy(),
                    "http",
                    "18091",
                    "stateless",
                    "json",
                ],
                18091,
                "/mcp",
                &["--expect", "hello {{i}}"],
                None,
                n(3 * HTTP_N),
            )?,
        );
        let listen = "127.0.0.1:18092";
        keep(
            "teetrack http",
            tools.http(
                &[
                    &tools.teetrack.to_string_lossy(),
                    "serve",
                    "--listen",
                    listen,
                    "--rate-limit",
                    "1000000000",
                    "--rate-burst",
                    "1000000000",
                    "--database-url",
                    &db,
                ],
                18092,
                "/api/mcp",
                &["--tool", "list_active_timers", "--args", "{}"],
                Some(&token),
                n(HTTP_N),
            )?,
        );
        keep("commit", commit_cost(&data.join("commits.db"), COMMITS)?);
        for (key, tool) in [
            ("timers inproc", "list_active_timers"),
            ("context inproc", "get_context"),
        ] {
            keep(key, in_process(&db, tool, "{}", n(IN_PROCESS_N))?);
        }
        keep(
            "log_track inproc",
            in_process(&memory_db, "log_track", LOG_TRACK_ARGS, n(WRITE_N))?,
        );
        keep("read txn", read_transaction(&db, n(IN_PROCESS_N))?);
    }
    let _ = std::fs::remove_dir_all(&memory);
    report(&results)
}

/// The programs the benchmark runs.
struct Tools {
    driver: PathBuf,
    floor: PathBuf,
    rmcp: PathBuf,
    teetrack: PathBuf,
    cpu: String,
}

impl Tools {
    fn floor_cmd(&self) -> Vec<String> {
        vec![self.floor.to_string_lossy().into(), "stdio".into()]
    }

    fn rmcp_cmd(&self) -> Vec<String> {
        vec![self.rmcp.to_string_lossy().into(), "stdio-pipes".into()]
    }

    fn teetrack_mcp(&self) -> Vec<String> {
        vec![self.teetrack.to_string_lossy().into(), "mcp".into()]
    }

    /// A user on the pro tier (every tool open), its token, one running
    /// timer for the read tools to show, and the overlap policy `allow`:
    /// the driver's `log_track` calls share one start, and under `warn`
    /// each would list every earlier one.
    fn setup(&self, db: &str) -> anyhow::Result<String> {
        let teetrack = |args: &[&str]| -> anyhow::Result<String> {
            let out = Command::new(&self.teetrack)
                .args(args)
                .env("TEETRACK_DATABASE_URL", db)
                .stderr(Stdio::inherit())
                .output()?;
            anyhow::ensure!(out.status.success(), "teetrack {args:?} failed");
            Ok(String::from_utf8(out.stdout)?.trim().to_owned())
        };
        teetrack(&["users", "add", EMAIL])?;
        teetrack(&["users", "set-tier", EMAIL, "pro"])?;
        let token = teetrack(&["tokens", "create", EMAIL])?;
        let env = [
            format!("TEETRACK_DATABASE_URL={db}"),
            format!("TEETRACK_MCP_TOKEN={token}"),
        ];
        for (tool, args) in [
            ("start_timer", r#"{"description": "the running timer"}"#),
            ("update_settings", r#"{"overlap_policy": "allow"}"#),
        ] {
            let line = self.stdio(
                &["--mode", "seq", "-n", "1", "--warmup", "0"],
                &["--tool", tool, "--args", args],
                &env,
                &[self.teetrack_mcp()],
                false,
            )?;
            anyhow::ensure!(line["ok"] == 1, "{tool}: {line}");
        }
        Ok(token)
    }

    fn stdio(
        &self,
        mode: &[&str],
        call: &[&str],
        env: &[String],
        server: &[Vec<String>],
        pinned: bool,
    ) -> anyhow::Result<Value> {
        self.run_stdio(mode, call, env, server, pinned)
    }

    /// One `mcpbench stdio` run; `pinned` puts the driver and the server on
    /// one CPU (a cross-CPU wake-up would swamp what is compared).
    fn run_stdio(
        &self,
        mode: &[&str],
        call: &[&str],
        env: &[String],
        server: &[Vec<String>],
        pinned: bool,
    ) -> anyhow::Result<Value> {
        let mut command = self.driver_command(pinned);
        command.args(["stdio", "-q"]).args(mode).args(call);
        if !mode.contains(&"--warmup") {
            command.args(["--warmup", "200"]);
        }
        for var in env {
            command.arg("-e").arg(var);
        }
        command.arg("--");
        if pinned {
            command.args(["taskset", "-c", &self.cpu]);
        }
        command.args(server.concat());
        drive(command)
    }

    fn driver_command(&self, pinned: bool) -> Command {
        match pinned {
            true => {
                let mut c = Command::new("taskset");
                c.args(["-c", &self.cpu]).arg(&self.driver);
                c
            }
            false => Command::new(&self.driver),
        }
    }

    /// A fresh HTTP server, `calls` over 16 connections, its CPU and RSS.
    fn http(
        &self,
        server: &[&str],
        port: u16,
        path: &str,
        call: &[&str],
        bearer: Option<&str>,
        calls: usize,
    ) -> anyhow::Result<Value> {
        let mut child = Command::new(server[0])
            .args(&server[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let result = (|| {
            wait_port(port, &mut child)?;
            let mut command = self.driver_command(false);
            command
                .args(["http", "-q", "--url"])
                .arg(format!("http://127.0.0.1:{port}{path}"))
                .args(["-c", "16", "-n", &calls.to_string(), "--warmup", "20"])
                .args(call)
                .arg("--server-pid")
                .arg(child.id().to_string());
            if let Some(token) = bearer {
                command.arg("--bearer").arg(token);
            }
            drive(command)
        })();
        let _ = child.kill();
        let _ = child.wait();
        result
    }
}

/// Runs the driver; its one JSON line, whose calls must all have succeeded.
fn drive(mut command: Command) -> anyhow::Result<Value> {
    let out = command.stderr(Stdio::inherit()).output()?;
    let line: Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("no result from {command:?}"))?;
    anyhow::ensure!(
        out.status.success() && line["failed"] == 0,
        "{command:?}: {}",
        line["first_error"]
    );
    Ok(line)
}

fn wait_port(port: u16, child: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server on port {port} exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("nothing listens on port {port}")
}

/// p50 of a one-row commit in WAL mode with `synchronous = FULL`, on the
/// database's own file system, as a driver-like line (`lat_us.p50`).
fn commit_cost(path: &Path, commits: usize) -> anyhow::Result<Value> {
    use diesel::connection::SimpleConnection as _;
    use diesel::{Connection as _, SqliteConnection};

    let _ = std::fs::remove_file(path);
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t (x INTEGER NOT NULL);",
    )?;
    let times: Vec<f64> = (0..commits)
        .map(|_| {
            let started = Instant::now();
            conn.batch_execute("BEGIN IMMEDIATE; INSERT INTO t (x) VALUES (1); COMMIT;")
                .map(|()| started.elapsed().as_secs_f64() * 1e6)
        })
        .collect::<Result<_, _>>()?;
    Ok(p50_line(times))
}

/// p50 of `tool` (with `args`, `{{i}}` replaced by the call's number) called
/// in this process on the benchmark's database as its user, as a tool call
/// of `teetrack mcp` runs it (on a current-thread runtime; a write on its
/// blocking pool), with no protocol and no transport around it.
fn in_process(db: &str, tool: &str, args: &str, calls: usize) -> anyhow::Result<Value> {
    let db = catalogue::Db::open(Some(db))?;
    let user = catalogue::db::users::find_by_email(&mut *db.conn()?, EMAIL)?;
    let def = catalogue::find_tool(tool).with_context(|| format!("no tool {tool}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let times = runtime.block_on(async {
        let mut times = Vec::with_capacity(calls);
        for i in 0..calls + 200 {
            let ctx = catalogue::Ctx::new(user.clone(), db.clone(), catalogue::Clock::System);
            let args: Value = serde_json::from_str(&args.replace("{{i}}", &i.to_string()))?;
            let started = Instant::now();
            let answer = def.call_json(ctx, args).await;
            let took = started.elapsed().as_secs_f64() * 1e6;
            anyhow::ensure!(answer.is_ok(), "{tool} failed in process");
            // The first 200 warm the caches, as the driver's warm-up does.
            if i >= 200 {
                times.push(took);
            }
        }
        Ok::<_, anyhow::Error>(times)
    })?;
    Ok(p50_line(times))
}

/// p50 of the least a call that reads the database costs there: one read
/// transaction (`BEGIN`, a cached one-row `SELECT` by primary key,
/// `COMMIT`) on the benchmark's file, through diesel as Teetrack's are.
fn read_transaction(db: &str, transactions: usize) -> anyhow::Result<Value> {
    use diesel::connection::SimpleConnection as _;
    use diesel::{Connection as _, QueryDsl as _, RunQueryDsl as _, SqliteConnection};

    // The one column read, declared here: a statement of static shape, which
    // diesel keeps prepared as it keeps Teetrack's.
    diesel::table! {
        users (id) {
            id -> Integer,
        }
    }
    let mut conn = SqliteConnection::establish(db)?;
    let times: Vec<f64> = (0..transactions)
        .map(|_| {
            let started = Instant::now();
            conn.batch_execute("BEGIN")?;
            let id: i32 = users::table.find(1).select(users::id).first(&mut conn)?;
            conn.batch_execute("COMMIT")?;
            anyhow::ensure!(id == 1, "the benchmark's user is not user 1");
            Ok(started.elapsed().as_secs_f64() * 1e6)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(p50_line(times))
}

/// A driver-like line (`lat_us.p50`) of what the benchmark timed itself.
fn p50_line(mut times: Vec<f64>) -> Value {
    times.sort_by(f64::total_cmp);
    serde_json::json!({"lat_us": {"p50": times[times.len() / 2]}})
}

/// The medians over the rounds, as a table with the issue's targets.
fn report(results: &BTreeMap<&str, Vec<Value>>) -> anyhow::Result<()> {
    let median = |key: &str, field: &str| -> anyhow::Result<f64> {
        let mut values: Vec<f64> = results
            .get(key)
            .with_context(|| format!("no {key} run"))?
            .iter()
            .filter_map(|line| line.pointer(field).and_then(Value::as_f64))
            .collect();
        anyhow::ensure!(!values.is_empty(), "{key} has no {field}");
        values.sort_by(f64::total_cmp);
        Ok(values[values.len() / 2])
    };
    let p50 = |key| median(key, "/lat_us/p50");
    let rate = |key| median(key, "/calls_per_s");
    let cpu = |key| median(key, "/server_cpu_us_per_call");
    let rss = |key| median(key, "/peak_rss_kb");

    let rmcp_seq = p50("rmcp seq")?;
    let timers_seq = p50("timers seq")?;
    let context_seq = p50("context seq")?;
    let write_seq = p50("log_track seq")?;
    let commit = p50("commit")?;
    let rmcp_pipe = rate("rmcp pipe")?;
    let timers_pipe = rate("timers pipe")?;
    let rmcp_http = cpu("rmcp http")?;
    let timers_http = cpu("teetrack http")?;
    let cold = p50("teetrack cold")?;
    let rss_stdio = rss("timers pipe")? / 1024.0;
    let rss_http = rss("teetrack http")? / 1024.0;
    let write_apart = p50("log_track memory")?;
    let floor_seq = p50("floor seq")?;
    // What rmcp's echo spends above the hand-written floor: all a tool call
    // may add to the floor's round trip and still meet the stdio target.
    let margin = rmcp_seq - floor_seq;
    let verdict = |met: bool| if met { "met" } else { "missed" };

    println!("| | floor (echo) | rmcp (echo) | teetrack | ratio | target |");
    println!("|---|---|---|---|---|---|");
    for (what, value) in [
        ("`list_active_timers`", timers_seq),
        ("`get_context`", context_seq),
    ] {
        println!(
            "| stdio sequential p50, {what} | {:.1} µs | {rmcp_seq:.1} µs | {value:.1} µs | {:.2}× rmcp | ≤ 1× — {} |",
            floor_seq,
            value / rmcp_seq,
            verdict(value <= rmcp_seq)
        );
    }
    for (what, key) in [
        ("`list_active_timers`", "timers inproc"),
        ("`get_context`", "context inproc"),
    ] {
        let alone = p50(key)?;
        println!(
            "| the tool alone, in process (no protocol, no pipe), p50, {what} | — | {margin:.1} µs above the floor | {alone:.1} µs | {:.2}× rmcp's margin | — |",
            alone / margin
        );
    }
    println!(
        "| one read transaction of one row (`BEGIN`, a cached `SELECT`, `COMMIT`), p50 | — | — | {:.1} µs | {:.2}× rmcp's margin | — |",
        p50("read txn")?,
        p50("read txn")? / margin
    );
    println!(
        "| stdio 32 in flight, calls/s, `list_active_timers` | {:.0} | {rmcp_pipe:.0} | {timers_pipe:.0} | {:.2}× rmcp | ≥ 1× — {} |",
        rate("floor pipe")?,
        timers_pipe / rmcp_pipe,
        verdict(timers_pipe >= rmcp_pipe)
    );
    println!(
        "| HTTP 16 connections, server CPU per call (teetrack: bearer token, `list_active_timers`) | — | {rmcp_http:.1} µs | {timers_http:.1} µs | {:.2}× rmcp | ≤ 1× — {} |",
        timers_http / rmcp_http,
        verdict(timers_http <= rmcp_http)
    );
    println!(
        "| cold start, spawn → `initialize` answered, p50 | {:.2} ms | — | {:.2} ms | {:.2}× floor | ≤ 2 ms — {} |",
        p50("floor cold")? / 1000.0,
        cold / 1000.0,
        cold / p50("floor cold")?,
        verdict(cold <= 2000.0)
    );
    println!(
        "| peak RSS (stdio, 32 in flight / HTTP) | — | — | {rss_stdio:.1} MB / {rss_http:.1} MB | — | ≤ 15 MB — {} |",
        verdict(rss_stdio.max(rss_http) <= 15.0)
    );
    println!(
        "| `log_track` stdio p50, the whole call, on disk | — | — | {write_seq:.1} µs | — | — |"
    );
    println!(
        "| one-row durable commit p50 on that disk (WAL, synchronous = FULL) | — | — | {commit:.1} µs | — | — |"
    );
    println!(
        "| `log_track` apart from the commit (the same, on tmpfs: a free fsync) | — | — | {write_apart:.1} µs | {:.2}× `list_active_timers` | ≤ 2× — {} |",
        write_apart / timers_seq,
        verdict(write_apart <= 2.0 * timers_seq)
    );
    let write_alone = p50("log_track inproc")?;
    println!(
        "| `log_track` alone, in process, on tmpfs (no protocol, no pipe; its blocking-pool trip kept) | — | — | {write_alone:.1} µs | {:.2}× `list_active_timers` over stdio | — |",
        write_alone / timers_seq
    );
    Ok(())
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cargo(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .status()?;
    anyhow::ensure!(
        status.success(),
        "cargo {args:?} in {} failed",
        dir.display()
    );
    Ok(())
}

/// Where cargo puts the repository's builds.
fn target_dir(repo: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"))
}

/// Copies the harness' sources, leaving its builds and results behind; a
/// file whose content is already there is not rewritten, so cargo does not
/// rebuild what has not changed.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        if matches!(
            name.to_str(),
            Some("target" | "results" | "node_modules" | ".venv" | ".venv-mcp1")
        ) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            let content = std::fs::read(&src)?;
            if std::fs::read(&dst).ok().as_deref() != Some(&content[..]) {
                std::fs::write(&dst, content)?;
            }
        }
    }
    Ok(())
}
