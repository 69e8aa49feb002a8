-- Placeholder on branch perf only: version 5 belongs to the audit chain (another branch), which
-- replaces this file when the branches are merged. It changes nothing.
SELECT 1;
