//! Where a tool call's database work runs.
//!
//! A tool's data-layer work comes in several `Db::run` closures (its
//! settings, then its reads or its write). Each used to be a trip to
//! tokio's blocking pool and back, with a pool checkout of its own: on a
//! small call the trips cost several times the SQL. Now a call makes at
//! most one trip:
//!
//! - [`Db::call`] (a tool that writes): the tool's future runs on one
//!   blocking thread, which holds one pooled connection for it, and every
//!   `Db::run` inside runs its closure at once on that connection. A write
//!   waits for SQLite's write lock and for its fsync; that waiting belongs
//!   on the blocking pool.
//! - [`Db::call_here`] (a read-only tool with a bounded answer): the
//!   future runs where it is polled, and each `Db::run` inside runs its
//!   closure at once on an idle pooled connection. In WAL mode a reader
//!   never waits for a lock, so such a closure costs its own query (a few
//!   microseconds to a few milliseconds at most) and no trip at all. With no
//!   idle connection, `Db::run` takes the trip as before, rather than wait.
//!
//! Nothing changes for the SQL: each closure still opens its own
//! transaction when it writes, and sees the same tenant-scoped queries.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use diesel::r2d2::PooledConnection;
use futures_util::future::{AbortHandle, Abortable};

use super::{Conn, Db, backend};
use crate::ToolError;

type Pooled = PooledConnection<backend::Manager>;

thread_local! {
    /// The connection this thread holds for a [`Db::call`] (or lends to a
    /// [`Db::call_here`] while polling it), and the `Db` it is of.
    static HELD: RefCell<Option<(usize, Pooled)>> = const { RefCell::new(None) };
}

/// Returns the held connection to the pool when the call ends, even by a
/// panic, so that a blocking thread never keeps one between calls.
struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        HELD.with(|held| held.borrow_mut().take());
    }
}

/// Stops the call's future at its next `.await` when the caller stops
/// waiting for it (a cancelled request), as dropping it did when it ran on
/// the caller's own task.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Db {
    /// Runs `call` (a tool call that may write) on one blocking thread
    /// holding one pooled connection, which every [`Db::run`] of this `Db`
    /// inside it uses. Already inside such a call, `call` runs there.
    pub async fn call<T, E, F>(&self, call: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<ToolError> + Send + 'static,
    {
        // Already inside such a call; or outside any runtime, where there
        // is no blocking pool to go to (and a `Db::run` would fail as ever).
        let runtime = match tokio::runtime::Handle::try_current() {
            Ok(runtime) if !holds(self.id) => runtime,
            _ => return call.await,
        };
        let (pool, id) = (self.pool.clone(), self.id);
        let (abort, registration) = AbortHandle::new_pair();
        let _abort = AbortOnDrop(abort);
        let joined = tokio::task::spawn_blocking(move || {
            let _release = Release;
            // No connection now: the call's own `run`s report it, as before.
            if let Ok(conn) = pool.get() {
                HELD.with(|held| *held.borrow_mut() = Some((id, conn)));
            }
            runtime.block_on(Abortable::new(call, registration))
        })
        .await;
        match joined {
            Ok(Ok(outcome)) => outcome,
            // Only when this future was dropped, so nobody reads this.
            Ok(Err(_aborted)) => Err(ToolError::internal("the call was cancelled").into()),
            // A panic in the call stays a panic: the caller's catch turns it
            // into that request's internal error.
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => {
                tracing::error!(error = %err, "database task failed");
                Err(ToolError::internal("database task failed").into())
            }
        }
    }

    /// Runs `call` (a read-only tool call with a bounded answer) where it
    /// is polled: its `Db::run`s take no trip to the blocking pool, and share
    /// one connection and one read transaction (one snapshot, and one lock
    /// of the file rather than one per statement).
    pub async fn call_here<F>(&self, call: F) -> F::Output
    where
        F: Future + Unpin,
    {
        Here {
            db: self,
            conn: None,
            call,
        }
        .await
    }
}

/// A [`Db::call_here`]: its connection, in a read transaction, is lent to
/// the thread while `call` is polled.
struct Here<'a, F> {
    db: &'a Db,
    conn: Option<Pooled>,
    call: F,
}

impl<F: Future + Unpin> Future for Here<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        if this.conn.is_none() {
            // None idle: each `run` takes the trip, as it did before.
            this.conn = this.db.pool.try_get().and_then(begin);
        }
        let lent = Lent {
            id: this.db.id,
            back: &mut this.conn,
            before: None,
        }
        .lend();
        let polled = Pin::new(&mut this.call).poll(cx);
        drop(lent);
        if polled.is_ready()
            && let Some(conn) = this.conn.take()
        {
            end(conn);
        }
        polled
    }
}

impl<F> Drop for Here<'_, F> {
    fn drop(&mut self) {
        // Cancelled halfway: the transaction ends before the connection
        // goes back to the pool.
        if let Some(conn) = self.conn.take() {
            end(conn);
        }
    }
}

/// Puts a connection in [`HELD`] for one poll, and takes it back after,
/// even when the poll panics.
struct Lent<'a> {
    id: usize,
    back: &'a mut Option<Pooled>,
    before: Option<(usize, Pooled)>,
}

impl Lent<'_> {
    fn lend(mut self) -> Self {
        if let Some(conn) = self.back.take() {
            self.before = HELD.with(|held| held.borrow_mut().replace((self.id, conn)));
        }
        self
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let before = self.before.take();
        let lent = HELD.with(|held| std::mem::replace(&mut *held.borrow_mut(), before));
        // `None` when a closure panicked and dropped it (see `run_now`).
        *self.back = lent.map(|(_, conn)| conn);
    }
}

/// A read transaction on `conn`, or no connection (and so no sharing) when
/// it cannot begin.
fn begin(mut conn: Pooled) -> Option<Pooled> {
    backend::begin_read(&mut conn)
        .inspect_err(|err| tracing::warn!(error = %err, "cannot begin a read transaction"))
        .ok()
        .map(|()| conn)
}

/// Ends the read transaction (it wrote nothing) and returns the connection
/// to the pool. One still in a transaction counts as broken there, and the
/// pool closes it rather than hand it out again.
fn end(mut conn: Pooled) {
    if let Err(err) = backend::end_read(&mut conn) {
        tracing::warn!(error = %err, "cannot end a read transaction");
        let _ = backend::abandon(&mut conn);
    }
}

fn holds(id: usize) -> bool {
    HELD.with(|held| matches!(&*held.borrow(), Some((held, _)) if *held == id))
}

/// Runs `work` at once on the connection this thread holds for a call of
/// `db` ([`Db::call`], [`Db::call_here`]); gives `work` back when it holds
/// none.
pub(super) fn run_now<T, F>(db: &Db, work: F) -> Result<T, F>
where
    F: FnOnce(&mut Conn) -> T,
{
    let taken = HELD.with(|held| {
        let mut held = held.borrow_mut();
        match &*held {
            Some((held_id, _)) if *held_id == db.id => held.take(),
            _ => None,
        }
    });
    if let Some((id, mut conn)) = taken {
        // A panic in `work` drops the connection (back to the pool) and
        // leaves the thread holding none: later `run`s check out their own.
        let result = work(&mut conn);
        HELD.with(|held| *held.borrow_mut() = Some((id, conn)));
        return Ok(result);
    }
    Err(work)
}
