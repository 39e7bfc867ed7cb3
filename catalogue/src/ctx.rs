//! What a tool call runs with: the authenticated user, the database and a clock.

use std::sync::Arc;

use jiff::Timestamp;

use crate::settings::Settings;
use crate::{Db, ToolError, User};

/// Where "now" comes from: the system clock, or a fixed instant in tests so
/// results are reproducible.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(ts) => ts,
        }
    }
}

/// The context of one tool call; cheap to clone.
#[derive(Clone, Debug)]
pub struct Ctx {
    user: Arc<User>,
    db: Db,
    clock: Clock,
    progress: Progress,
}

/// Where a long tool reports how far it has got: the transport turns each
/// report into a `notifications/progress` when the client asked for them, and
/// drops it otherwise.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Report>>);

/// `(done, total, message)`.
type Report = dyn Fn(u64, Option<u64>, &str) + Send + Sync;

impl Progress {
    pub fn new(report: impl Fn(u64, Option<u64>, &str) + Send + Sync + 'static) -> Progress {
        Progress(Some(Arc::new(report)))
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(reported)"
        } else {
            "Progress(ignored)"
        })
    }
}

impl Ctx {
    pub fn new(user: User, db: Db, clock: Clock) -> Ctx {
        Ctx {
            user: Arc::new(user),
            db,
            clock,
            progress: Progress::default(),
        }
    }

    /// The same context, reporting progress to `progress`.
    pub fn with_progress(self, progress: Progress) -> Ctx {
        Ctx { progress, ..self }
    }

    /// Report that `done` of `total` units of work are finished (a long export,
    /// an invoice over many tracks). Cheap, and a no-op unless the client asked.
    pub fn progress(&self, done: u64, total: Option<u64>, message: &str) {
        if let Some(report) = &self.progress.0 {
            report(done, total, message);
        }
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn user_id(&self) -> i32 {
        self.user.id
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Now, truncated to the second: instants are stored to the second.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_second(self.clock.now().as_second()).expect("a current instant is in range")
    }

    /// Run data-layer work for this user off the async threads.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ToolError>
    where
        F: FnOnce(&mut crate::db::Conn, &User) -> Result<T, ToolError> + Send + 'static,
        T: Send + 'static,
    {
        let user = Arc::clone(&self.user);
        self.db.run(move |conn| work(conn, &user)).await
    }

    pub async fn settings(&self) -> Result<Settings, ToolError> {
        self.run(|conn, user| crate::db::settings::get(conn, user.id))
            .await
    }
}
