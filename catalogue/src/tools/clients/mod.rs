//! Clients: who the work is for, their contact details and the billing
//! defaults (currency, rate, payment terms) their projects inherit. Created,
//! changed and deleted in `write`; listed and read in `read`.

mod read;
mod write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::clients::Client;
use crate::money;
use crate::settings::Settings;

/// A client as every tool returns it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ClientOut {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Postal address, as printed on invoices.
    pub address: Option<String>,
    /// VAT or tax id.
    pub vat_id: Option<String>,
    /// ISO 4217 code its projects default to; `null`: the user's default currency.
    pub currency: Option<String>,
    /// Rate per hour its projects default to (decimal string); `null`: the
    /// user's default rate.
    pub hourly_rate: Option<String>,
    /// Days until an invoice is due.
    pub payment_terms_days: u32,
    pub notes: Option<String>,
    pub archived: bool,
}

impl ClientOut {
    pub(crate) fn new(client: &Client, settings: &Settings) -> ClientOut {
        let f = &client.fields;
        let currency = f.currency.as_deref().unwrap_or(&settings.default_currency);
        ClientOut {
            id: client.id,
            name: f.name.clone(),
            email: f.email.clone(),
            phone: f.phone.clone(),
            address: f.address.clone(),
            vat_id: f.vat_id.clone(),
            currency: f.currency.clone(),
            hourly_rate: f.hourly_rate.map(|r| money::price(r, currency)),
            payment_terms_days: f.payment_terms_days,
            notes: f.notes.clone(),
            archived: f.archived_at.is_some(),
        }
    }
}
