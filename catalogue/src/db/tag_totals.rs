//! Each tag's track count and time over its stopped tracks: changed in the
//! same transaction as every write to `tracks` or their tags (`retract`
//! before tracks change or go, `apply` after they are added or changed),
//! and read by `list_tags` and `get_tag` (`usage`), which add the running
//! timers themselves. Summing the links instead read every tagged track of
//! the user's history on each call: over a second at a million tracks.
//!
//! Raw seconds depend on no setting, so these rows are always in step and
//! never rebuilt (unlike `day_totals`); `recount` exists for writes that go
//! around `tracks::insert` (the benchmark's bulk loader).

use std::collections::HashMap;

use diesel::prelude::*;
use jiff::Timestamp;

use super::common::chunks;
use super::{Conn, epoch};
use crate::schema::{tag_totals, tags, track_tags, tracks};

/// Take out what the user's tracks `ids` add to their tags (before they
/// change or go).
pub fn retract(conn: &mut Conn, user_id: i32, ids: &[i32]) -> QueryResult<()> {
    change(conn, user_id, ids, -1)
}

/// Add what the user's tracks `ids` add to their tags (after they are added
/// or changed); running ones add nothing until they stop.
pub fn apply(conn: &mut Conn, user_id: i32, ids: &[i32]) -> QueryResult<()> {
    change(conn, user_id, ids, 1)
}

/// Add what a track just inserted adds to its tags, from its own figures:
/// nothing to read back (see `day_totals::apply_new`).
pub fn apply_new(
    conn: &mut Conn,
    tag_ids: &[i32],
    started_at: i64,
    ended_at: i64,
) -> QueryResult<()> {
    let delta = tag_ids
        .iter()
        .map(|tag| (*tag, (1, seconds(started_at, ended_at))))
        .collect();
    write(conn, delta, 1)
}

fn change(conn: &mut Conn, user_id: i32, ids: &[i32], sign: i64) -> QueryResult<()> {
    let mut delta: HashMap<i32, (i64, i64)> = HashMap::new();
    for chunk in chunks(ids) {
        let links: Vec<(i32, i64, Option<i64>)> = track_tags::table
            .inner_join(tracks::table)
            .filter(tracks::user_id.eq(user_id))
            .filter(tracks::id.eq_any(chunk))
            .filter(tracks::ended_at.is_not_null())
            .select((track_tags::tag_id, tracks::started_at, tracks::ended_at))
            .load(conn)?;
        for (tag, start, end) in links {
            let entry = delta.entry(tag).or_default();
            entry.0 += 1;
            entry.1 += seconds(start, end.unwrap_or(start));
        }
    }
    write(conn, delta, sign)
}

/// Moves each tag's totals by its `(tracks, seconds)`, times `sign`.
fn write(conn: &mut Conn, delta: HashMap<i32, (i64, i64)>, sign: i64) -> QueryResult<()> {
    for (tag, (count, secs)) in delta {
        let (count, secs) = (sign * count, sign * secs);
        let updated = diesel::update(tag_totals::table.find(tag))
            .set((
                tag_totals::tracks.eq(tag_totals::tracks + count),
                tag_totals::seconds.eq(tag_totals::seconds + secs),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(tag_totals::table)
                .values((
                    tag_totals::tag_id.eq(tag),
                    tag_totals::tracks.eq(count),
                    tag_totals::seconds.eq(secs),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A stopped track's seconds, as the totals count them (never negative).
fn seconds(start: i64, end: i64) -> i64 {
    (end - start).max(0)
}

/// Sum the user's tags again from their links (after a bulk load that went
/// around `tracks::insert`).
pub fn recount(conn: &mut Conn, user_id: i32) -> QueryResult<()> {
    let mine = tags::table
        .filter(tags::user_id.eq(user_id))
        .select(tags::id);
    diesel::delete(tag_totals::table.filter(tag_totals::tag_id.eq_any(mine))).execute(conn)?;
    let ids: Vec<i32> = tracks::table
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::ended_at.is_not_null())
        .select(tracks::id)
        .load(conn)?;
    apply(conn, user_id, &ids)
}

/// Track count and seconds of each of the user's tags in `ids` (tags of
/// the user's, resolved by the caller): the kept totals, plus the running
/// timers counted up to `now`.
pub fn usage(
    conn: &mut Conn,
    user_id: i32,
    ids: &[i32],
    now: Timestamp,
) -> QueryResult<HashMap<i32, (i64, i64)>> {
    let mut out: HashMap<i32, (i64, i64)> = HashMap::new();
    for chunk in chunks(ids) {
        let kept: Vec<(i32, i64, i64)> = tag_totals::table
            .inner_join(tags::table)
            .filter(tags::user_id.eq(user_id))
            .filter(tag_totals::tag_id.eq_any(chunk))
            .select((tag_totals::tag_id, tag_totals::tracks, tag_totals::seconds))
            .load(conn)?;
        for (tag, count, secs) in kept {
            out.insert(tag, (count, secs));
        }
        // The running timers: a few rows, on the `ended_at` index.
        let running: Vec<(i32, i64)> = track_tags::table
            .inner_join(tracks::table)
            .filter(tracks::user_id.eq(user_id))
            .filter(tracks::ended_at.is_null())
            .filter(track_tags::tag_id.eq_any(chunk))
            .select((track_tags::tag_id, tracks::started_at))
            .load(conn)?;
        for (tag, start) in running {
            let entry = out.entry(tag).or_default();
            entry.0 += 1;
            entry.1 += seconds(start, epoch(now));
        }
    }
    Ok(out)
}
