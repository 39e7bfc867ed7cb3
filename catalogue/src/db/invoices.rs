//! Invoices, their lines, and the tracks they lock.
