-- Placeholder on branch perf only: version 6 belongs to the query indexes (another branch), which
-- replaces this file when the branches are merged. It changes nothing.
SELECT 1;
