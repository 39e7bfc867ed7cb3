DROP TABLE tag_totals;
