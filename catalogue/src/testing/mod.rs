//! A test harness: a temporary database, users, a fixed clock, and tool calls
//! through the registry exactly as a transport makes them. Behind the
//! `testing` feature; used by this crate's tests and the snapshot crate.

use jiff::Timestamp;
use serde_json::Value;

use crate::db::users::add_user;
use crate::{CallError, Clock, Ctx, Db, ToolError, User, find_tool};

pub use database::TestDatabase;

mod database;

pub struct TestApp {
    pub db: Db,
    pub now: Timestamp,
    // Last: dropped after `db` (its pool) is.
    _database: TestDatabase,
}

impl Default for TestApp {
    fn default() -> Self {
        TestApp::new()
    }
}

impl TestApp {
    /// A fresh database; the clock stands at Wednesday 2026-11-25 14:30 UTC.
    pub fn new() -> TestApp {
        TestApp::on(TestDatabase::new())
    }

    /// On `database` (say, a SQLite one whatever the run's engine).
    pub fn on(database: TestDatabase) -> TestApp {
        let db = Db::open(Some(database.url())).expect("open db");
        TestApp {
            _database: database,
            db,
            now: "2026-11-25T14:30:00Z".parse().expect("valid instant"),
        }
    }

    pub fn user(&self, email: &str) -> User {
        add_user(&mut self.db.conn().expect("conn"), email, None, self.now).expect("add user")
    }

    /// A user in `time_zone`.
    pub fn user_in(&self, email: &str, time_zone: &str) -> User {
        let user = self.user(email);
        crate::db::settings::set_time_zone(&mut self.db.conn().expect("conn"), user.id, time_zone)
            .expect("zone");
        user
    }

    pub fn ctx(&self, user: &User) -> Ctx {
        Ctx::new(user.clone(), self.db.clone(), Clock::Fixed(self.now))
    }

    pub fn advance(&mut self, seconds: i64) {
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .expect("in range");
    }

    /// Set the clock to an instant given in RFC 3339 with an offset
    /// (`"2026-10-24T22:00:00+02:00"`), to replay a day in the past.
    pub fn set_now(&mut self, instant: &str) {
        self.now = instant.parse().expect("RFC 3339 instant with offset");
    }

    /// Call a tool by name, as the server does.
    pub async fn call(&self, user: &User, tool: &str, args: Value) -> Result<Value, CallError> {
        let def = find_tool(tool).unwrap_or_else(|| panic!("no tool {tool}"));
        def.call(self.ctx(user), args).await
    }

    /// A call that must succeed.
    pub async fn ok(&self, user: &User, tool: &str, args: Value) -> Value {
        match self.call(user, tool, args.clone()).await {
            Ok(value) => value,
            Err(err) => panic!("{tool}({args}) failed: {err:?}"),
        }
    }

    /// A call that must fail with a domain error.
    pub async fn err(&self, user: &User, tool: &str, args: Value) -> ToolError {
        match self.call(user, tool, args.clone()).await {
            Err(CallError::Tool(err)) => err,
            other => panic!("{tool}({args}) should fail with a tool error, got {other:?}"),
        }
    }

    /// A project straight through the data layer.
    pub fn project(
        &self,
        user: &User,
        name: &str,
        billable: bool,
        rate: Option<&str>,
        currency: Option<&str>,
    ) -> i32 {
        self.project_of(user, None, name, billable, rate, currency)
    }

    /// A project of a client, straight through the data layer.
    pub fn project_of(
        &self,
        user: &User,
        client_id: Option<i32>,
        name: &str,
        billable: bool,
        rate: Option<&str>,
        currency: Option<&str>,
    ) -> i32 {
        let new = crate::db::projects::ProjectFields {
            name: name.to_owned(),
            client_id,
            billable,
            hourly_rate: rate.map(|r| r.parse().expect("decimal")),
            currency: currency.map(str::to_owned),
            ..Default::default()
        };
        crate::db::projects::create(&mut self.db.conn().expect("conn"), user.id, &new, self.now)
            .expect("project")
    }

    /// A client straight through the data layer.
    pub fn client(
        &self,
        user: &User,
        name: &str,
        currency: Option<&str>,
        rate: Option<&str>,
    ) -> i32 {
        let rate = rate.map(|r| r.parse().expect("decimal"));
        crate::db::clients::create(
            &mut self.db.conn().expect("conn"),
            user.id,
            name,
            currency,
            rate,
            self.now,
        )
        .expect("client")
    }

    pub fn tag(&self, user: &User, name: &str) -> i32 {
        crate::db::tags::create(&mut self.db.conn().expect("conn"), user.id, name, self.now)
            .expect("tag")
    }
}
