//! Resources where they help: the user's settings, and each invoice's CSV
//! through a URI template. Both are read through the tool an assistant would
//! call (`get_settings`, `export_invoice_csv`), so the registry stays the
//! only way to the data and the resource can never disagree with the tool.

use serde_json::{Value, json};

use super::Exposure;

const SETTINGS_URI: &str = "teetrack://settings";
const INVOICE_CSV_PREFIX: &str = "teetrack://invoices/";
const INVOICE_CSV_SUFFIX: &str = ".csv";
const INVOICE_CSV_TOOL: &str = "export_invoice_csv";
const SETTINGS_TOOL: &str = "get_settings";

/// How to read one resource: which tool, with which arguments, and how its
/// result becomes the resource's text.
pub struct Read {
    pub tool: &'static str,
    pub arguments: Value,
    pub mime_type: &'static str,
    pub text: fn(Value) -> Option<String>,
}

/// The settings resource is listed when its tool is exposed.
pub fn list(exposure: &Exposure) -> Value {
    if exposure.find(SETTINGS_TOOL).is_none() {
        return json!({"resources": []});
    }
    json!({"resources": [{
        "uri": SETTINGS_URI,
        "name": "settings",
        "title": "Your Teetrack settings",
        "description": "Time zone, week start, timer and overlap policy, billing defaults, \
                        rounding and invoice numbering, as `get_settings` returns them.",
        "mimeType": "application/json",
    }]})
}

/// The invoice template is offered only when its tool is registered and exposed.
pub fn templates(exposure: &Exposure) -> Value {
    let templates: Vec<Value> = exposure
        .find(INVOICE_CSV_TOOL)
        .map(|_| {
            json!({
                "uriTemplate": format!("{INVOICE_CSV_PREFIX}{{id}}{INVOICE_CSV_SUFFIX}"),
                "name": "invoice_csv",
                "title": "An invoice as CSV",
                "description": "One invoice's lines as RFC 4180 CSV with a header row, as \
                                `export_invoice_csv` makes it (needs the pro tier).",
                "mimeType": "text/csv",
            })
        })
        .into_iter()
        .collect();
    json!({"resourceTemplates": templates})
}

/// How to read `uri`; `None` for an unknown resource or one whose tool is hidden.
pub fn resolve(uri: &str, exposure: &Exposure) -> Option<Read> {
    if uri == SETTINGS_URI {
        exposure.find(SETTINGS_TOOL)?;
        return Some(Read {
            tool: SETTINGS_TOOL,
            arguments: json!({}),
            mime_type: "application/json",
            text: |settings| serde_json::to_string_pretty(&settings).ok(),
        });
    }
    let id: i64 = uri
        .strip_prefix(INVOICE_CSV_PREFIX)?
        .strip_suffix(INVOICE_CSV_SUFFIX)?
        .parse()
        .ok()?;
    exposure.find(INVOICE_CSV_TOOL)?;
    Some(Read {
        tool: INVOICE_CSV_TOOL,
        arguments: json!({"id": id}),
        mime_type: "text/csv",
        text: |export| export.get("csv")?.as_str().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_resolve_to_their_tools_and_others_to_nothing() {
        let all = Exposure::default();
        assert_eq!(
            resolve("teetrack://settings", &all).map(|r| r.tool),
            Some("get_settings")
        );
        for uri in [
            "teetrack://settings/x",
            "teetrack://invoices/abc.csv",
            "teetrack://invoices/1.pdf",
            "file:///etc/passwd",
        ] {
            assert!(resolve(uri, &all).is_none(), "{uri}");
        }
        if catalogue::find_tool(INVOICE_CSV_TOOL).is_some() {
            let read = resolve("teetrack://invoices/12.csv", &all).unwrap();
            assert_eq!(read.arguments, json!({"id": 12}));
            assert_eq!(
                (read.text)(json!({"csv": "a,b\r\n"})).as_deref(),
                Some("a,b\r\n")
            );
        }
    }

    #[test]
    fn a_resource_is_hidden_with_its_tool() {
        let all = Exposure::default();
        assert_eq!(list(&all)["resources"].as_array().unwrap().len(), 1);
        assert_eq!(
            templates(&all)["resourceTemplates"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let timers = Exposure::new(&["timers"], false).unwrap();
        assert_eq!(list(&timers), json!({"resources": []}));
        assert_eq!(templates(&timers), json!({"resourceTemplates": []}));
        assert!(resolve("teetrack://settings", &timers).is_none());
        assert!(resolve("teetrack://invoices/12.csv", &timers).is_none());
        // Both tools read: read-only mode keeps both resources.
        let read_only = Exposure::new::<&str>(&[], true).unwrap();
        assert!(resolve("teetrack://settings", &read_only).is_some());
        assert!(resolve("teetrack://invoices/12.csv", &read_only).is_some());
        let settings = Exposure::new(&["settings"], false).unwrap();
        assert!(resolve("teetrack://settings", &settings).is_some());
        assert!(resolve("teetrack://invoices/12.csv", &settings).is_none());
    }
}
