-- Placeholder on branch follower only, so that 008 applies without a gap; the branch that owns
-- schema version 6 brings the real migration, and this file goes when they meet.
SELECT 1;
