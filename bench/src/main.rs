//! Teetrack's benchmark (issue 11): one user with N tracks over three years
//! (20 projects of 5 clients, tags), a second user with N/10 in the same
//! file, and a 1,000-track account beside them. The data is inserted in bulk
//! SQL, checked through the tools, then every call of the issue's table is
//! timed through the tool registry, the path the dispatcher takes after
//! parsing a `tools/call` (no JSON-RPC framing, no transport).
//!
//! ```sh
//! cargo run --release -p teetrack-bench -- 200000   # N, default 1,000,000
//! ```
//! `TEETRACK_BENCH_DB=path` keeps the database file (and reuses it when it
//! already holds the data); a `postgres://` URL there runs it all on
//! PostgreSQL (an empty database, or one a previous run filled); `TEETRACK_BENCH_ITERS` sets the samples per call
//! (default 30; slow calls stop after ~15 s of samples, at least 3).
//!
//! Last, the cost of durability on this disk: one-row commits in WAL mode
//! with `synchronous = FULL` (what Teetrack ships: each commit waits for an
//! fsync) against `NORMAL` (a power cut may lose the last commits), so the
//! write figures above can be read with and without the flush.

// The benchmark's report is its output; it is no MCP server.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use anyhow::Context as _;
use catalogue::db::tracks::testing::bulk_insert;
use catalogue::{Clock, Ctx, Db, Tier, User, find_tool};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

const YEAR: i64 = 365 * 86_400;
const PROJECTS: usize = 20;
const CLIENTS: usize = 5;
const TAGS: usize = 8;

/// One account of the data set.
struct Account {
    user: User,
    tracks: i64,
    /// The first track's start and the seconds between two starts.
    first: i64,
    step: i64,
}

fn main() -> anyhow::Result<()> {
    let n: i64 = std::env::args()
        .nth(1)
        .map(|a| a.replace(['_', ','], "").parse())
        .transpose()
        .context("N must be a number of tracks")?
        .unwrap_or(1_000_000);
    let iters: usize = std::env::var("TEETRACK_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir()?;
    let path = std::env::var("TEETRACK_BENCH_DB")
        .unwrap_or_else(|_| dir.path().join("bench.db").to_string_lossy().into_owned());
    let db = Db::open(Some(&path))?;
    let now = Timestamp::now();

    let built = Instant::now();
    let big = account(&db, "big@example.com", n, now)?;
    let _second = account(&db, "second@example.com", n / 10, now)?;
    let small = account(&db, "small@example.com", 1_000, now)?;
    // Statistics for the planner, as a server gathers them when it starts
    // (SQLite), or as autovacuum would soon after a bulk load (PostgreSQL).
    if let catalogue::db::Location::Postgres(_) = db.location() {
        use diesel::connection::SimpleConnection as _;
        db.conn()?.batch_execute("ANALYZE")?;
    }
    drop(db);
    let db = Db::open(Some(&path))?;
    db.refresh_statistics()?;
    println!(
        "data set: {n} + {} + 1000 tracks in {:.1} s ({path})",
        n / 10,
        built.elapsed().as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        for account in [&big, &small] {
            verify(&db, account).await?;
        }
        println!();
        // The per-day totals are built by the first report after a bulk
        // load (or a change of time zone or rounding): a one-off cost.
        catalogue::db::day_totals::invalidate(&mut *db.conn()?, big.user.id)?;
        let rebuilt = timed(&db, &big, "get_budget_status", json!({})).await?;
        println!(
            "first report after the bulk load (builds the per-day totals of {n} tracks): {}",
            ms(rebuilt)
        );
        println!();
        println!(
            "| call | {} tracks p50 / p99 | {n} tracks p50 / p99 | peak RSS |",
            small.tracks
        );
        println!("|---|---|---|---|");
        for (name, call) in CALLS {
            let mut cells = Vec::new();
            let mut peak = 0;
            for account in [&small, &big] {
                reset_peak_rss();
                let times = measure(&db, account, *call, iters).await?;
                peak = peak.max(peak_rss_kib());
                cells.push(format!(
                    "{} / {}",
                    ms(percentile(&times, 50)),
                    ms(percentile(&times, 99))
                ));
            }
            println!(
                "| {name} | {} | {} | {:.1} MiB |",
                cells[0],
                cells[1],
                peak as f64 / 1024.0
            );
        }
        anyhow::Ok(())
    })?;
    server_rss(&path, &big, now)?;
    commit_cost(&dir.path().join("commits.db"), iters.max(100))?;
    Ok(())
}

/// The server's own peak RSS for the heaviest calls: each in a fresh
/// `teetrack mcp` (the release binary beside this one) on the benchmark's
/// file, as the big account, read from `/proc/<pid>/status` (`VmHWM`) after
/// the answer. Skipped, saying so, when the binary is not built.
fn server_rss(db: &str, account: &Account, now: Timestamp) -> anyhow::Result<()> {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::process::{Command, Stdio};

    let bin = std::env::current_exe()?.with_file_name("teetrack");
    println!();
    if !bin.exists() {
        println!(
            "server RSS: skipped, {} is not built (cargo build --release -p teetrack)",
            bin.display()
        );
        return Ok(());
    }
    let first = Timestamp::from_second(account.first)?.to_string();
    let year_ago = (now - SignedDuration::from_hours(24 * 365)).to_string();
    let calls = [
        ("get_context", json!({})),
        ("list_tracks", json!({"limit": 200})),
        (
            "get_time_totals",
            json!({"from": year_ago, "to": "now", "bucket": "day", "split_by": "project"}),
        ),
        (
            "get_time_totals",
            json!({"from": year_ago, "to": "now", "bucket": "month", "split_by": "tag"}),
        ),
        (
            "get_time_totals",
            json!({"from": first, "to": "now", "bucket": "month"}),
        ),
        ("get_budget_status", json!({})),
        ("review_timesheet", json!({"period": "last_month"})),
        ("export_tracks_csv", json!({"limit": 1000})),
        (
            "preview_invoice",
            json!({"client": "Client 0", "from": first, "to": "now"}),
        ),
    ];
    println!(
        "| server call (fresh `teetrack mcp`, {} tracks) | peak RSS |",
        account.tracks
    );
    println!("|---|---|");
    for (tool, args) in calls {
        let mut child = Command::new(&bin)
            .arg("mcp")
            .env("TEETRACK_DATABASE_URL", db)
            .env("TEETRACK_MCP_USER_EMAIL", &account.user.email)
            .env_remove("TEETRACK_MCP_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut stdin = child.stdin.take().context("stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().context("stdout")?);
        for message in [
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "teetrack-bench", "version": "1"}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": tool, "arguments": args}}),
        ] {
            writeln!(stdin, "{message}")?;
        }
        stdin.flush()?;
        let mut answered = false;
        let mut line = String::new();
        while stdout.read_line(&mut line)? > 0 {
            let reply: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if reply["id"] == 2 {
                anyhow::ensure!(
                    reply["result"]["isError"] != true && reply.get("error").is_none(),
                    "{tool}({args}) failed: {line}"
                );
                answered = true;
                break;
            }
            line.clear();
        }
        anyhow::ensure!(answered, "{tool}: no answer");
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        drop(stdin);
        child.wait()?;
        println!("| {tool} {args} | {:.1} MiB |", peak_kib as f64 / 1024.0);
    }
    Ok(())
}

/// p50/p99 of a one-row commit under each `synchronous` setting, on the
/// same file system as the benchmark's database.
fn commit_cost(path: &std::path::Path, commits: usize) -> anyhow::Result<()> {
    use diesel::connection::SimpleConnection as _;
    use diesel::{Connection as _, SqliteConnection};

    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER NOT NULL);")?;
    println!();
    println!("| one-row commit (WAL) | p50 / p99 |");
    println!("|---|---|");
    for setting in ["FULL", "NORMAL"] {
        conn.batch_execute(&format!("PRAGMA synchronous = {setting};"))?;
        let mut times = Vec::with_capacity(commits);
        for _ in 0..commits {
            let started = Instant::now();
            conn.batch_execute("BEGIN IMMEDIATE; INSERT INTO t (x) VALUES (1); COMMIT;")?;
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "| synchronous = {setting} | {} / {} |",
            ms(percentile(&times, 50)),
            ms(percentile(&times, 99))
        );
    }
    Ok(())
}

/// A user with `tracks` tracks over the three years before `now`, or the one
/// the file already holds.
fn account(db: &Db, email: &str, tracks: i64, now: Timestamp) -> anyhow::Result<Account> {
    let mut conn = db.conn()?;
    let first = now.as_second() - 3 * YEAR;
    let step = (3 * YEAR / tracks.max(1)).max(2);
    if let Ok(user) = catalogue::db::users::set_tier(&mut conn, email, Tier::Pro) {
        return Ok(Account {
            user,
            tracks,
            first,
            step,
        });
    }
    catalogue::db::users::add_user(&mut conn, email, None, now)?;
    let user = catalogue::db::users::set_tier(&mut conn, email, Tier::Pro)?;
    let clients: Vec<i32> = (0..CLIENTS)
        .map(|c| {
            catalogue::db::clients::create(
                &mut conn,
                user.id,
                &format!("Client {c}"),
                Some("EUR"),
                None,
                now,
            )
        })
        .collect::<Result<_, _>>()?;
    let projects: Vec<i32> = (0..PROJECTS)
        .map(|p| {
            let fields = catalogue::db::projects::ProjectFields {
                name: format!("Project {p}"),
                client_id: Some(clients[p % CLIENTS]),
                billable: true,
                hourly_rate: Some("85.50".parse().expect("decimal")),
                currency: Some("EUR".into()),
                // Half the budgets are monthly, half count every hour ever.
                budget: catalogue::project::Budget {
                    hours: Some(rust_decimal::Decimal::from(500)),
                    period: if p % 2 == 0 {
                        catalogue::project::BudgetPeriod::Monthly
                    } else {
                        catalogue::project::BudgetPeriod::Total
                    },
                    ..Default::default()
                },
                ..Default::default()
            };
            catalogue::db::projects::create(&mut conn, user.id, &fields, now)
        })
        .collect::<Result<_, _>>()?;
    let tags: Vec<i32> = (0..TAGS)
        .map(|t| catalogue::db::tags::create(&mut conn, user.id, &format!("tag{t}"), now))
        .collect::<Result<_, _>>()?;
    let inserted = catalogue::db::write(&mut conn, catalogue::db::Lock::User(user.id), |conn| {
        bulk_insert(
            conn,
            user.id,
            &projects,
            &tags,
            3,
            first,
            step,
            step * 3 / 4,
            tracks,
            Some("85.50"),
            "EUR",
        )
    })?;
    anyhow::ensure!(inserted as i64 == tracks, "inserted {inserted} of {tracks}");
    Ok(Account {
        user,
        tracks,
        first,
        step,
    })
}

/// A timer started a minute ago, so stopping it now ends a real track.
fn timer_args() -> Value {
    let start = Timestamp::now() - SignedDuration::from_mins(1);
    json!({"project": "Project 1", "start": start.to_string()})
}

fn ctx(db: &Db, account: &Account) -> Ctx {
    Ctx::new(account.user.clone(), db.clone(), Clock::System)
}

async fn call(db: &Db, account: &Account, tool: &str, args: Value) -> anyhow::Result<Value> {
    let def = find_tool(tool).with_context(|| format!("no tool {tool}"))?;
    def.call(ctx(db, account), args.clone())
        .await
        .map_err(|err| anyhow::anyhow!("{tool}({args}): {err:?}"))
}

/// The data set as the tools see it. A reused file also holds the tracks
/// earlier runs' timed writes added (a few hundred), hence "at least".
async fn verify(db: &Db, account: &Account) -> anyhow::Result<()> {
    let page = call(db, account, "list_tracks", json!({"totals": true})).await?;
    anyhow::ensure!(
        page["total_count"]
            .as_i64()
            .is_some_and(|count| count >= account.tracks),
        "{}: list_tracks counts {} tracks, not at least {}",
        account.user.email,
        page["total_count"],
        account.tracks
    );
    call(db, account, "get_context", json!({})).await?;
    Ok(())
}

type Call = for<'a> fn(
    &'a Db,
    &'a Account,
    usize,
) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Duration>> + 'a>>;

/// Every call of issue 11's table, in its order.
const CALLS: &[(&str, Call)] = &[
    ("get_context", |db, a, _| {
        Box::pin(timed(db, a, "get_context", json!({})))
    }),
    ("start_timer", |db, a, _| {
        Box::pin(async move {
            let took = timed(db, a, "start_timer", timer_args()).await?;
            call(db, a, "stop_timer", json!({})).await?;
            Ok(took)
        })
    }),
    ("stop_timer", |db, a, _| {
        Box::pin(async move {
            call(db, a, "start_timer", timer_args()).await?;
            timed(db, a, "stop_timer", json!({})).await
        })
    }),
    ("log_track (overlap warn)", |db, a, i| {
        Box::pin(async move {
            let start = Timestamp::now() - SignedDuration::from_mins(30 + i as i64);
            let end = start + SignedDuration::from_mins(10);
            timed(
                db,
                a,
                "log_track",
                json!({"project": "Project 2", "start": start.to_string(), "end": end.to_string()}),
            )
            .await
        })
    }),
    ("list_tracks first page", |db, a, _| {
        Box::pin(timed(db, a, "list_tracks", json!({})))
    }),
    ("list_tracks deep page", |db, a, _| {
        // A cursor two years back: the page after the track that started then.
        let key = a.first + YEAR;
        // `catalogue::pagination`'s cursor format: `k<started_at>.<id>`.
        let cursor = format!("k{key}.{}", i32::MAX);
        Box::pin(timed(db, a, "list_tracks", json!({"cursor": cursor})))
    }),
    ("list_tracks first page with totals", |db, a, _| {
        Box::pin(timed(db, a, "list_tracks", json!({"totals": true})))
    }),
    ("list_tags (each tag's tracks and time)", |db, a, _| {
        Box::pin(timed(db, a, "list_tags", json!({})))
    }),
    ("get_time_totals, a year by day (one call)", |db, a, _| {
        let year_ago = Timestamp::now() - SignedDuration::from_hours(24 * 365);
        Box::pin(timed(
            db,
            a,
            "get_time_totals",
            json!({"from": year_ago.to_string(), "to": "now", "bucket": "day"}),
        ))
    }),
    (
        "get_time_totals, a year by month split by tag (reads the tracks)",
        |db, a, _| {
            let year_ago = Timestamp::now() - SignedDuration::from_hours(24 * 365);
            Box::pin(timed(
                db,
                a,
                "get_time_totals",
                json!({"from": year_ago.to_string(), "to": "now", "bucket": "month", "split_by": "tag"}),
            ))
        },
    ),
    ("get_time_totals, 3 years by month", |db, a, _| {
        Box::pin(timed(
            db,
            a,
            "get_time_totals",
            json!({"from": Timestamp::from_second(a.first).expect("instant").to_string(), "to": "now", "bucket": "month"}),
        ))
    }),
    ("get_top_projects, last 12 months", |db, a, _| {
        Box::pin(timed(
            db,
            a,
            "get_top_projects",
            json!({"from": (Timestamp::now() - SignedDuration::from_hours(24 * 365)).to_string(), "to": "now"}),
        ))
    }),
    ("get_budget_status", |db, a, _| {
        Box::pin(timed(db, a, "get_budget_status", json!({})))
    }),
    ("review_timesheet, last month", |db, a, _| {
        Box::pin(timed(
            db,
            a,
            "review_timesheet",
            json!({"period": "last_month"}),
        ))
    }),
    ("export_tracks_csv, 1,000 rows", |db, a, _| {
        Box::pin(timed(
            db,
            a,
            "export_tracks_csv",
            json!({"period": "last_month", "limit": 1000}),
        ))
    }),
    ("preview_invoice, ≤ 10,000 tracks", |db, a, i| {
        let (from, to) = invoice_window(a, i);
        Box::pin(timed(
            db,
            a,
            "preview_invoice",
            json!({"client": "Client 0", "from": from, "to": to}),
        ))
    }),
    ("generate_invoice, ≤ 10,000 tracks", |db, a, i| {
        let (from, to) = invoice_window(a, i);
        Box::pin(async move {
            let started = Instant::now();
            let out = call(
                db,
                a,
                "generate_invoice",
                json!({"client": "Client 0", "from": from, "to": to}),
            )
            .await?;
            let took = started.elapsed();
            // Untimed: delete the draft, so its tracks bill again next time.
            call(db, a, "delete_invoice", json!({"id": out["invoice"]["id"]})).await?;
            Ok(took)
        })
    }),
];

/// A window holding 10,000 of Client 0's tracks (every 5th track), one of
/// several so samples read different rows; a small account's whole history.
fn invoice_window(a: &Account, i: usize) -> (String, String) {
    let history = a.tracks * a.step;
    let span = (10_000 * CLIENTS as i64 * a.step).min(history);
    let windows = (history / span).max(1);
    let from = a.first + (i as i64 % windows) * span;
    let at = |s: i64| Timestamp::from_second(s).expect("instant").to_string();
    (at(from), at(from + span))
}

async fn timed(db: &Db, account: &Account, tool: &str, args: Value) -> anyhow::Result<Duration> {
    let started = Instant::now();
    call(db, account, tool, args).await?;
    Ok(started.elapsed())
}

async fn measure(
    db: &Db,
    account: &Account,
    call: Call,
    iters: usize,
) -> anyhow::Result<Vec<Duration>> {
    // One warm-up call: caches and statement preparation.
    call(db, account, iters).await?;
    let budget = Instant::now();
    let mut times = Vec::new();
    for i in 0..iters {
        times.push(call(db, account, i).await?);
        if times.len() >= 3 && budget.elapsed() > Duration::from_secs(15) {
            break;
        }
    }
    times.sort();
    Ok(times)
}

/// Start the process's peak resident set size (`VmHWM`) afresh, so each
/// call's peak is its own (Linux: `echo 5 > /proc/self/clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident set size since the last reset, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (sorted.len() * p).div_ceil(100).max(1) - 1;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}
