//! Invoices tools.
