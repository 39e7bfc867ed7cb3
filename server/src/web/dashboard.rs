//! The dashboard (`/`): running timers (a live view), the week's chart (a
//! view), a form to log time, and today's and this week's tracks with edit
//! and delete. Every figure comes from a tool, called as the user.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::html::{self, escape, text};
use super::{Web, session, to_signin};

/// `2026-12-07T09:05:00+01:00` as `09:05` (same day) or `07.12. 09:05`-like
/// `2026-12-07 09:05`: the local time the tool gave, shortened.
pub fn short_time(local: &str, with_date: bool) -> String {
    match local.split_once('T') {
        Some((date, time)) if time.len() >= 5 => match with_date {
            true => format!("{date} {}", &time[..5]),
            false => time[..5].to_owned(),
        },
        _ => local.to_owned(),
    }
}

/// The tracks of a list_tracks result as a table with edit and delete.
pub fn tracks_table(result: &Value, with_date: bool) -> String {
    let empty = Vec::new();
    let tracks = result["tracks"].as_array().unwrap_or(&empty);
    if tracks.is_empty() {
        return "<p class=\"muted\">No tracks.</p>\n".into();
    }
    let mut out = String::from(
        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Scrollable table\"><table>\n<thead><tr><th scope=\"col\">When</th>\
         <th scope=\"col\">Description</th><th scope=\"col\" class=\"hide-narrow\">Project</th>\
         <th scope=\"col\" class=\"num\">Time</th><th scope=\"col\"><span class=\"skip\">Actions</span></th></tr></thead>\n<tbody>\n",
    );
    for track in tracks {
        let id = track["id"].as_i64().unwrap_or(0);
        let description = text(track, "description");
        let name = if description.is_empty() {
            "(no description)"
        } else {
            description
        };
        let start = text(&track["start"], "local");
        let end = track["end"]["local"].as_str().unwrap_or("");
        let project = track["project"]["name"].as_str().unwrap_or("");
        let tags: Vec<&str> = track["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        let when = match end {
            "" => format!("{} – running", short_time(start, with_date)),
            end => format!(
                "{} – {}",
                short_time(start, with_date),
                short_time(end, false)
            ),
        };
        out.push_str(&format!(
            "<tr><td class=\"when\">{when}</td><td>{name}{tags}</td><td class=\"hide-narrow\">{project}</td>\
             <td class=\"num\">{duration}</td><td>\n\
             <details><summary aria-label=\"Edit track: {name}\">Edit</summary>\n\
             <form data-tool=\"update_track\">\n<input type=\"hidden\" name=\"id\" value=\"{id}\" data-type=\"int\">\n\
             <label for=\"t{id}-d\">Description</label><input id=\"t{id}-d\" name=\"description\" value=\"{description}\">\n\
             <label for=\"t{id}-p\">Project</label><input id=\"t{id}-p\" name=\"project\" list=\"tt-projects\" value=\"{project}\">\n\
             <label for=\"t{id}-s\">Start</label><input id=\"t{id}-s\" name=\"start\" value=\"{start_short}\">\n\
             {end_field}\
             <p class=\"error\" role=\"alert\"></p>\
             <div class=\"actions\"><button type=\"submit\">Save</button></div>\n</form>\n\
             <form data-tool=\"delete_track\" data-confirm=\"Delete this track?\">\
             <input type=\"hidden\" name=\"id\" value=\"{id}\" data-type=\"int\">\
             <p class=\"error\" role=\"alert\"></p>\
             <div class=\"actions\"><button type=\"submit\" class=\"danger\" aria-label=\"Delete track: {name}\">Delete</button></div></form>\n\
             </details></td></tr>\n",
            name = escape(name),
            tags = tags
                .iter()
                .map(|t| format!(" <span class=\"tag\">{}</span>", escape(t)))
                .collect::<String>(),
            project = escape(project),
            duration = escape(text(track, "duration")),
            description = escape(description),
            start_short = escape(&short_time(start, true)),
            end_field = match end {
                "" => String::new(),
                end => format!(
                    "<label for=\"t{id}-e\">End</label><input id=\"t{id}-e\" name=\"end\" value=\"{}\">\n",
                    escape(&short_time(end, true))
                ),
            },
        ));
    }
    out.push_str("</tbody></table></div>\n");
    if let Some(total) = result["total_duration"].as_str() {
        out.push_str(&format!(
            "<p class=\"muted small\">{} tracks, {}</p>\n",
            result["total_count"].as_i64().unwrap_or(0),
            escape(total)
        ));
    }
    out
}

/// The tracks of a list_tracks result that start on `date` (`YYYY-MM-DD`,
/// local), with their count and total.
pub fn on_day(mut list: Value, date: &str) -> Value {
    let tracks: Vec<Value> = list["tracks"]
        .as_array()
        .map(|tracks| {
            tracks
                .iter()
                .filter(|t| {
                    t["start"]["local"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(date))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let seconds: i64 = tracks
        .iter()
        .filter_map(|t| t["duration_seconds"].as_i64())
        .sum();
    list["total_count"] = json!(tracks.len());
    list["total_duration"] = json!(format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ));
    list["tracks"] = Value::Array(tracks);
    list
}

/// `<datalist>`s of the user's project and tag names, for the forms.
pub fn datalists(projects: &Value, tags: &Value) -> String {
    let options = |list: &Value, key: &str| -> String {
        list[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|p| p["name"].as_str())
                    .map(|name| format!("<option value=\"{}\">", escape(name)))
                    .collect()
            })
            .unwrap_or_default()
    };
    format!(
        "<datalist id=\"tt-projects\">{}</datalist><datalist id=\"tt-tags\">{}</datalist>\n",
        options(projects, "projects"),
        options(tags, "tags")
    )
}

const LOG_FORM: &str = "<section class=\"card\" aria-labelledby=\"log-heading\">\n<h2 id=\"log-heading\">Log time</h2>\n\
<form data-tool=\"log_track\">\n<div class=\"row\">\n\
<div><label for=\"log-description\">Description</label><input id=\"log-description\" name=\"description\"></div>\n\
<div><label for=\"log-project\">Project</label><input id=\"log-project\" name=\"project\" list=\"tt-projects\"></div>\n\
</div><div class=\"row\">\n\
<div><label for=\"log-start\">Start</label><input id=\"log-start\" name=\"start\" required aria-describedby=\"log-hint\"></div>\n\
<div class=\"narrow\"><label for=\"log-duration\">Duration</label><input id=\"log-duration\" name=\"duration\" aria-describedby=\"log-hint\"></div>\n\
<div><label for=\"log-tags\">Tags</label><input id=\"log-tags\" name=\"tags\" data-type=\"list\" list=\"tt-tags\"></div>\n\
</div>\n<p class=\"muted small\" id=\"log-hint\">Start: <code>09:00</code>, <code>yesterday</code> or \
<code>2026-12-07 09:00</code>; duration: <code>1h30m</code>, <code>90m</code> or <code>1.5</code>. Tags separated by commas.</p>\n\
<p class=\"error\" role=\"alert\"></p>\n<div class=\"actions\"><button type=\"submit\">Log time</button></div>\n</form>\n</section>\n";

/// GET /
pub async fn show(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = session::current(&web, &headers).await else {
        return to_signin();
    };
    let user = &signed.user;
    // One list of the week's tracks serves both tables (today's are its
    // first rows): each list_tracks call reads its whole range.
    let (context, timers, week, totals, projects) = tokio::join!(
        web.call(user, "get_context", json!({})),
        web.call(user, "list_active_timers", json!({})),
        web.call(
            user,
            "list_tracks",
            json!({"period": "this_week", "limit": 200, "totals": true})
        ),
        web.call(
            user,
            "get_time_totals",
            json!({"period": "this_week", "bucket": "day", "split_by": "project"})
        ),
        web.call(user, "list_projects", json!({"limit": 200})),
    );
    let today_date = context
        .as_ref()
        .ok()
        .and_then(|c| c["today"].as_str())
        .unwrap_or("")
        .to_owned();
    let today = week.clone().map(|week| on_day(week, &today_date));
    let mut body = String::from("<h1>Dashboard</h1>\n<div class=\"grid\">\n");
    match &timers {
        Ok(timers) => body.push_str(&html::view("timers", timers, None)),
        Err(err) => body.push_str(&html::alert(&err.to_string())),
    }
    match &totals {
        Ok(totals) => body.push_str(&html::view("totals", totals, None)),
        Err(err) => body.push_str(&html::alert(&err.to_string())),
    }
    body.push_str("</div>\n");
    // Tag names are typed: listing tags counts each one's tracks.
    body.push_str(&datalists(
        projects.as_ref().unwrap_or(&Value::Null),
        &Value::Null,
    ));
    body.push_str("<div class=\"grid\" style=\"margin-top:1rem\">\n");
    body.push_str(LOG_FORM);
    for (title, list, with_date) in [("Today", &today, false), ("This week", &week, true)] {
        body.push_str(&format!(
            "<section class=\"card\" aria-label=\"{title}\"><h2>{title}</h2>\n"
        ));
        match list {
            Ok(list) => body.push_str(&tracks_table(list, with_date)),
            Err(err) => body.push_str(&html::alert(&err.to_string())),
        }
        body.push_str("</section>\n");
        if !with_date {
            // This week gets the page's width: its rows carry dates.
            body.push_str("</div>\n<div style=\"margin-top:1rem\">\n");
        }
    }
    body.push_str("</div>\n");
    html::respond(
        StatusCode::OK,
        html::page(
            "Dashboard",
            Some(&signed),
            "/",
            &body,
            &["timers.js", "totals.js"],
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_shortened_and_tracks_escaped() {
        assert_eq!(short_time("2026-12-07T09:05:00+01:00", false), "09:05");
        assert_eq!(
            short_time("2026-12-07T09:05:00+01:00", true),
            "2026-12-07 09:05"
        );
        assert_eq!(short_time("odd", true), "odd");
        let table = tracks_table(
            &json!({"tracks": [{"id": 7, "description": "<b>x</b>", "project": null, "tags": [],
                "start": {"local": "2026-12-07T09:00:00+01:00"}, "end": null, "duration": "0:10:00"}],
                "total_count": 1, "total_duration": "0:10:00"}),
            false,
        );
        assert!(table.contains("&lt;b&gt;x&lt;/b&gt;") && !table.contains("<b>x"));
        assert!(table.contains("09:00 – running"));
        assert!(table.contains("name=\"id\" value=\"7\""));
        assert_eq!(
            tracks_table(&json!({"tracks": []}), true),
            "<p class=\"muted\">No tracks.</p>\n"
        );
    }

    #[test]
    fn todays_tracks_are_those_of_the_week_that_start_today() {
        let week = json!({"tracks": [
            {"start": {"local": "2026-12-07T09:00:00+01:00"}, "duration_seconds": 3700},
            {"start": {"local": "2026-12-06T09:00:00+01:00"}, "duration_seconds": 60},
            {"start": {"local": "2026-12-07T07:00:00+01:00"}, "duration_seconds": 5},
        ], "total_count": 3});
        let today = on_day(week, "2026-12-07");
        assert_eq!(today["tracks"].as_array().unwrap().len(), 2);
        assert_eq!(today["total_count"], 2);
        assert_eq!(today["total_duration"], "1:01:45");
    }
}
