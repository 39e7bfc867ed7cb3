//! Log messages to the client (`notifications/message`): opted into with
//! `logging/setLevel` in the handshake era, per request with
//! `io.modelcontextprotocol/logLevel` in `_meta` since 2026-07-28. Without an
//! opt-in nothing is sent; the server's own log (stderr) is separate.

use serde::Deserialize;
use serde_json::json;

use super::scope::Notifier;

/// RFC 5424 severities, least severe first, so `>=` filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

impl LogLevel {
    fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }
}

/// The log of one request: messages at or above the level the client asked
/// for go out as notifications of that request.
#[derive(Clone)]
pub struct RequestLog {
    threshold: Option<LogLevel>,
    notify: Notifier,
}

impl RequestLog {
    pub fn new(threshold: Option<LogLevel>, notify: Notifier) -> RequestLog {
        RequestLog { threshold, notify }
    }

    pub fn log(&self, level: LogLevel, message: impl FnOnce() -> String) {
        if self.threshold.is_some_and(|min| level >= min) {
            self.notify.send(
                "notifications/message",
                json!({"level": level.as_str(), "logger": "teetrack", "data": message()}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn only_messages_at_or_above_the_threshold_are_sent() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&sent);
        let notify = Notifier::new(move |m| sink.lock().unwrap().push(m));
        let log = RequestLog::new(Some(LogLevel::Warning), notify.clone());
        log.log(LogLevel::Info, || "quiet".into());
        log.log(LogLevel::Error, || "loud".into());
        RequestLog::new(None, notify).log(LogLevel::Emergency, || "unasked".into());
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["params"]["level"], "error");
        assert_eq!(sent[0]["params"]["data"], "loud");
        assert!(serde_json::from_value::<LogLevel>(json!("verbose")).is_err());
    }
}
