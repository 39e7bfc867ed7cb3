//! Writing clients: create (within the tier's limit), update, delete.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::clients::{self, ClientFields};
use crate::db::{self, idempotency, write_or_preview};
use crate::fields::{optional_text, valid_email, valid_name, valid_terms};
use crate::reference::{Named, Ref};
use crate::{Ctx, Tier, ToolError, money, patch, tiers, tool};

use super::ClientOut;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    /// Unique name.
    pub name: String,
    /// Billing email address.
    pub email: Option<String>,
    /// Phone number, free text.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// VAT or tax id, free text.
    pub vat_id: Option<String>,
    /// ISO 4217 code; default the user's.
    pub currency: Option<String>,
    /// Default hourly rate (decimal).
    pub hourly_rate: Option<String>,
    /// Days until its invoices are due, 0–365 (default 30).
    #[schemars(range(max = 365))]
    pub payment_terms_days: Option<u32>,
    /// Private notes.
    pub notes: Option<String>,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ClientSaved {
    pub client: ClientOut,
    /// True when an earlier call with the same `idempotency_key` created it;
    /// the client is then shown as that call returned it.
    pub replayed: bool,
}

/// Create a client with contact details and billing defaults its projects
/// inherit. A taken name (archived included, any case) is a `conflict`; the
/// free tier allows 3 unarchived clients (`limit_reached`).
#[tool(title = "Create a client", scope = "tracks:write")]
async fn create_client(ctx: &Ctx, args: CreateClient) -> Result<ClientSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let fields = ClientFields {
        name: valid_name("client", &args.name)?,
        email: valid_email(args.email)?,
        phone: optional_text(args.phone),
        address: optional_text(args.address),
        vat_id: optional_text(args.vat_id),
        currency: args
            .currency
            .as_deref()
            .map(money::parse_currency)
            .transpose()?,
        hourly_rate: args
            .hourly_rate
            .as_deref()
            .map(money::parse_rate)
            .transpose()?,
        payment_terms_days: valid_terms(
            args.payment_terms_days
                .unwrap_or(clients::DEFAULT_PAYMENT_TERMS_DAYS),
        )?,
        notes: optional_text(args.notes),
        archived_at: None,
    };
    let key = args.idempotency_key;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            if let Some(key) = &key
                && let Some(mut saved) =
                    idempotency::replay::<ClientSaved>(conn, user.id, "create_client", key)?
            {
                saved.replayed = true;
                return Ok(saved);
            }
            clients::ensure_name_free(conn, user.id, &fields.name, None)?;
            check_client_limit(conn, user.id, user.tier)?;
            let id = clients::insert(conn, user.id, &fields, now)?;
            let saved = ClientSaved {
                client: ClientOut::new(&clients::get(conn, user.id, id)?, &settings),
                replayed: false,
            };
            if let Some(key) = &key {
                idempotency::record(conn, user.id, "create_client", key, &saved, now)?;
            }
            Ok(saved)
        })
    })
    .await
}

fn check_client_limit(conn: &mut db::Conn, user_id: i32, tier: Tier) -> Result<(), ToolError> {
    let used = clients::count_active(conn, user_id)?;
    tiers::check_limit("clients", tier, tiers::limits(tier).clients, used)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    /// The client.
    pub client: Ref,
    /// New name.
    pub name: Option<String>,
    /// Billing email.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// Hourly rate (decimal).
    pub hourly_rate: Option<String>,
    /// Days until its invoices are due, 0–365.
    #[schemars(range(max = 365))]
    pub payment_terms_days: Option<u32>,
    /// Notes.
    pub notes: Option<String>,
    /// Archive (true) or restore (false).
    pub archived: Option<bool>,
    /// Fields to clear; currency and rate fall back to the user's default.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<UpdateClientClear>>")]
    pub clear: Vec<UpdateClientClear>,
}

// A field `UpdateClient` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateClientClear {
    Email,
    Phone,
    Address,
    VatId,
    Currency,
    HourlyRate,
    Notes,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientUpdated {
    /// The client as saved.
    pub client: ClientOut,
    /// The fields whose value changed.
    pub changed: Vec<String>,
    /// What the change means for projects and tracks, when anything.
    pub notes: Vec<String>,
}

/// Change a client (`null` = leave as is; `clear` lists fields to clear). New
/// currency or rate apply to new tracks only. Restoring counts against the free
/// tier's 3 clients (`limit_reached`); a taken name is a `conflict`.
#[tool(title = "Update a client", idempotent, scope = "tracks:write")]
async fn update_client(ctx: &Ctx, args: UpdateClient) -> Result<ClientUpdated, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let name = args
        .name
        .as_deref()
        .map(|n| valid_name("client", n))
        .transpose()?;
    let clear = &args.clear;
    let email = patch::field(args.email, clear, UpdateClientClear::Email)?;
    let phone = patch::field(args.phone, clear, UpdateClientClear::Phone)?;
    let address = patch::field(args.address, clear, UpdateClientClear::Address)?;
    let vat_id = patch::field(args.vat_id, clear, UpdateClientClear::VatId)?;
    let currency = patch::field(args.currency, clear, UpdateClientClear::Currency)?;
    let rate = patch::field(args.hourly_rate, clear, UpdateClientClear::HourlyRate)?;
    let notes_field = patch::field(args.notes, clear, UpdateClientClear::Notes)?;
    let email = email.map(valid_email).transpose()?;
    let currency = currency
        .map(|c| c.as_deref().map(money::parse_currency).transpose())
        .transpose()?;
    let rate = rate
        .map(|r| r.as_deref().map(money::parse_rate).transpose())
        .transpose()?;
    let terms = args.payment_terms_days.map(valid_terms).transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let before = clients::find(conn, user.id, &args.client)?;
            let mut f = before.fields.clone();
            if let Some(name) = name {
                clients::ensure_name_free(conn, user.id, &name, Some(before.id))?;
                f.name = name;
            }
            if let Some(email) = email {
                f.email = email;
            }
            if let Some(phone) = phone {
                f.phone = optional_text(phone);
            }
            if let Some(address) = address {
                f.address = optional_text(address);
            }
            if let Some(vat_id) = vat_id {
                f.vat_id = optional_text(vat_id);
            }
            if let Some(currency) = currency {
                f.currency = currency;
            }
            if let Some(rate) = rate {
                f.hourly_rate = rate;
            }
            if let Some(terms) = terms {
                f.payment_terms_days = terms;
            }
            if let Some(notes) = notes_field {
                f.notes = optional_text(notes);
            }
            let mut notes = Vec::new();
            match args.archived {
                Some(true) if f.archived_at.is_none() => {
                    f.archived_at = Some(now);
                    notes.push("Archived; its projects stay as they are.".to_owned());
                }
                Some(false) if f.archived_at.is_some() => {
                    check_client_limit(conn, user.id, user.tier)?;
                    f.archived_at = None;
                }
                _ => {}
            }
            if f.currency != before.fields.currency || f.hourly_rate != before.fields.hourly_rate {
                notes.push(
                    "The new currency or rate applies to new tracks of its projects that set \
                     none themselves; existing tracks keep theirs (update_project with \
                     reprice_unbilled: true re-rates a project's unbilled tracks)."
                        .to_owned(),
                );
            }
            clients::update(conn, user.id, before.id, &f)?;
            let after = clients::get(conn, user.id, before.id)?;
            Ok(ClientUpdated {
                changed: changed_fields(&before.fields, &after.fields),
                client: ClientOut::new(&after, &settings),
                notes,
            })
        })
    })
    .await
}

fn changed_fields(a: &ClientFields, b: &ClientFields) -> Vec<String> {
    let pairs = [
        ("name", a.name != b.name),
        ("email", a.email != b.email),
        ("phone", a.phone != b.phone),
        ("address", a.address != b.address),
        ("vat_id", a.vat_id != b.vat_id),
        ("currency", a.currency != b.currency),
        ("hourly_rate", a.hourly_rate != b.hourly_rate),
        (
            "payment_terms_days",
            a.payment_terms_days != b.payment_terms_days,
        ),
        ("notes", a.notes != b.notes),
        (
            "archived",
            a.archived_at.is_some() != b.archived_at.is_some(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteClient {
    /// The client.
    pub client: Ref,
    /// Preview; change nothing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
}

/// What `delete_client` did (or would do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeleteOutcome {
    /// The client is gone; its projects have no client now.
    Deleted,
    /// The client has invoices, so it was archived instead of deleted.
    Archived,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientDeleted {
    /// The client as it was.
    pub client: ClientOut,
    /// `deleted`, or `archived` when it has invoices.
    pub outcome: DeleteOutcome,
    /// Its projects, now without a client (none when archived).
    pub projects_unassigned: Vec<Named>,
    /// Its invoices, void ones included.
    pub invoice_count: i64,
    /// What happened and why, in a sentence.
    pub message: String,
    /// True when nothing was changed (`dry_run`).
    pub dry_run: bool,
}

/// Delete a client; its projects stay, without client. One with invoices (void
/// included) is archived instead (`outcome` says which).
#[tool(
    title = "Delete a client",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn delete_client(ctx: &Ctx, args: DeleteClient) -> Result<ClientDeleted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    ctx.run(move |conn, user| {
        write_or_preview(conn, user.id, args.dry_run, |conn| {
            let client = clients::find(conn, user.id, &args.client)?;
            let invoice_count = clients::invoice_count(conn, user.id, client.id)?;
            let out = ClientOut::new(&client, &settings);
            if invoice_count > 0 {
                let mut fields = client.fields.clone();
                let message = if fields.archived_at.is_some() {
                    format!(
                        "{:?} has {invoice_count} invoice(s), so it cannot be deleted; it is already archived.",
                        fields.name
                    )
                } else {
                    fields.archived_at = Some(now);
                    clients::update(conn, user.id, client.id, &fields)?;
                    format!(
                        "{:?} has {invoice_count} invoice(s), so it {} archived instead of deleted; its projects stay as they are.",
                        fields.name,
                        if args.dry_run { "would be" } else { "was" },
                    )
                };
                return Ok(ClientDeleted {
                    client: out,
                    outcome: DeleteOutcome::Archived,
                    projects_unassigned: Vec::new(),
                    invoice_count,
                    message,
                    dry_run: args.dry_run,
                });
            }
            let projects: Vec<Named> = clients::projects_of(conn, user.id, client.id)?
                .into_iter()
                .map(|p| Named {
                    id: p.id,
                    name: p.name,
                })
                .collect();
            clients::delete(conn, user.id, client.id)?;
            Ok(ClientDeleted {
                message: if args.dry_run {
                    format!(
                        "{:?} would be deleted; {} project(s) would have no client.",
                        client.fields.name,
                        projects.len()
                    )
                } else {
                    format!(
                        "{:?} was deleted; {} project(s) now have no client.",
                        client.fields.name,
                        projects.len()
                    )
                },
                client: out,
                outcome: DeleteOutcome::Deleted,
                projects_unassigned: projects,
                invoice_count,
                dry_run: args.dry_run,
            })
        })
    })
    .await
}
