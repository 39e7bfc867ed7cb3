//! Reports over tracks: totals, top projects, budgets, CSV.
