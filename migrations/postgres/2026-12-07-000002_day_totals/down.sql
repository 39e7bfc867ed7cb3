DROP TABLE day_totals_basis;
DROP TABLE day_totals;
